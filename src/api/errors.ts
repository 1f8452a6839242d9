import { ERROR_CODES, type ErrorCode, type FieldIssue } from "../domain/errors.js";
import type { WorkspaceIntegration } from "../domain/integration.js";
import type { FieldDifference } from "./reconcile.js";

/**
 * Errors are facts, fixed when they are made: nothing here is changed after a throw. A layer
 * that learns more (the create check, the integration holding an alias) makes a new error
 * with the extra facts; the MCP layer words them and decides only on these fields.
 */

/** Codes the client gives errors it finds itself (a 2xx body that is not JSON). */
export type ClientErrorCode = "INVALID_RESPONSE";
/** The code of every API error: the domain's, or the client's own. */
export type ApiErrorCode = ErrorCode | ClientErrorCode;

const KNOWN_CODES: ReadonlySet<string> = new Set<string>([...ERROR_CODES, "INVALID_RESPONSE"]);

/** What the client established about a create that failed. */
export type CreateOutcome = "not_created" | "unknown";

/**
 * How it was established: `refused` (a 429, answered before any work), `not_sent` (the
 * request never left), `absent` (the alias is not in the list taken afterwards), `differs`
 * (the alias holds something else), `cancelled` (the caller stopped it), `list_failed`.
 */
export type CreateBasis =
  | "refused"
  | "not_sent"
  | "absent"
  | "differs"
  | "cancelled"
  | "list_failed";

/** The outcome of a failed create, with how it was found. */
export interface CreateCheck {
  outcome: CreateOutcome;
  basis: CreateBasis;
}

/** Base of every error the API client throws. */
export class WeavzError extends Error {
  override name = "WeavzError";
  /** Set only on errors from `createWorkspaceIntegration` whose outcome the client checked. */
  readonly createCheck: CreateCheck | undefined;

  constructor(message: string, createCheck?: CreateCheck) {
    super(message);
    this.createCheck = createCheck;
  }

  /** "not_created" (safe to retry), "unknown" (list before retrying), or undefined. */
  get createOutcome(): CreateOutcome | undefined {
    return this.createCheck?.outcome;
  }

  /**
   * This error as the create check found it: a new error of the same kind carrying the check,
   * its message extended by SENTENCE. This one is left as it was.
   */
  afterCreateCheck(check: CreateCheck, sentence?: string): WeavzError {
    return this.rebuild(sentence ? addSentence(this.message, sentence) : this.message, check);
  }

  /** A copy with another message and create check (each kind keeps its own facts). */
  protected rebuild(message: string, check: CreateCheck): WeavzError {
    return new WeavzError(message, check);
  }
}

/** The facts of an API error answer. */
export interface ApiErrorFacts {
  status: number;
  code: ApiErrorCode;
  message: string;
  /** The code as the API sent it when it is not one we know; shown, never decided on. */
  reportedCode?: string | undefined;
  details?: Record<string, unknown> | undefined;
  requestId?: string | undefined;
  method: string;
  path: string;
  /** Seconds from Retry-After, when the server sent one. */
  retryAfterSeconds?: number | undefined;
  /** For a NOT_FOUND: "workspace" when the workspace itself does not exist. */
  missing?: "workspace" | undefined;
  createCheck?: CreateCheck | undefined;
}

/**
 * The API answered with an error status. Made through {@link WeavzApiError.generate} from an
 * answer, or {@link WeavzApiError.with} from another, so every caller sees the same fields.
 */
export class WeavzApiError extends WeavzError {
  override name = "WeavzApiError";
  readonly status: number;
  readonly code: ApiErrorCode;
  /** The code to show: the API's own, even one this client does not know. */
  readonly reportedCode: string;
  readonly details: Record<string, unknown> | undefined;
  readonly requestId: string | undefined;
  readonly method: string;
  readonly path: string;
  readonly retryAfterSeconds: number | undefined;
  readonly missing: "workspace" | undefined;

  constructor(private readonly facts: ApiErrorFacts) {
    super(facts.message, facts.createCheck);
    this.status = facts.status;
    this.code = facts.code;
    this.reportedCode = facts.reportedCode ?? facts.code;
    this.details = facts.details;
    this.requestId = facts.requestId;
    this.method = facts.method;
    this.path = facts.path;
    this.retryAfterSeconds = facts.retryAfterSeconds;
    this.missing = facts.missing;
  }

  /** Field issues from a VALIDATION_ERROR's details, when present. */
  get fieldIssues(): FieldIssue[] {
    const issues = this.details?.issues;
    return Array.isArray(issues) ? (issues as FieldIssue[]) : [];
  }

  /** A new error with these facts changed (e.g. details completed by a later lookup). */
  with(changes: Partial<ApiErrorFacts>): WeavzApiError {
    return new WeavzApiError({ ...this.facts, ...changes });
  }

  protected override rebuild(message: string, createCheck: CreateCheck): WeavzError {
    return this.with({ message, createCheck });
  }

  /** The one factory: maps a status and a (possibly non-JSON) body to a typed error. */
  static generate(args: {
    status: number;
    body: unknown;
    method: string;
    path: string;
    requestId?: string | undefined;
    retryAfterSeconds?: number | undefined;
  }): WeavzApiError {
    const { status, body, method, path } = args;
    let code: ApiErrorCode = defaultCode(status);
    let reportedCode: string | undefined;
    let message = `HTTP ${status} from ${method} ${path}`;
    let details: Record<string, unknown> | undefined;
    if (body && typeof body === "object") {
      const b = body as Record<string, unknown>;
      if (typeof b.code === "string") {
        if (KNOWN_CODES.has(b.code)) code = b.code as ApiErrorCode;
        else reportedCode = b.code;
      }
      if (typeof b.error === "string") message = b.error;
      else if (typeof b.message === "string") message = b.message;
      if (b.details && typeof b.details === "object")
        details = b.details as Record<string, unknown>;
    }
    return new WeavzApiError({
      status,
      code,
      reportedCode,
      message,
      details,
      requestId: args.requestId,
      method,
      path,
      retryAfterSeconds: args.retryAfterSeconds,
      missing: code === "NOT_FOUND" ? missingOf(message) : undefined,
    });
  }
}

/**
 * Which thing a NOT_FOUND is about. The envelope has no field for it, so the API's message is
 * read here, once, where the answer is parsed ("Workspace X not found" vs "Workspace
 * integration X not found"); every later layer reads the `missing` fact.
 */
function missingOf(message: string): "workspace" | undefined {
  return /^workspace\b(?! integration)/i.test(message) ? "workspace" : undefined;
}

/** No HTTP answer: connection refused or reset, DNS failure, TLS error. */
export class WeavzConnectionError extends WeavzError {
  override name = "WeavzConnectionError";
  constructor(
    message: string,
    readonly method: string,
    readonly path: string,
    readonly attempts: number,
    readonly causeCode?: string,
    createCheck?: CreateCheck,
  ) {
    super(message, createCheck);
  }

  protected override rebuild(message: string, check: CreateCheck): WeavzError {
    return new WeavzConnectionError(
      message,
      this.method,
      this.path,
      this.attempts,
      this.causeCode,
      check,
    );
  }
}

/** The request (including retries) took longer than its time budget. */
export class WeavzTimeoutError extends WeavzError {
  override name = "WeavzTimeoutError";
  constructor(
    message: string,
    readonly method: string,
    readonly path: string,
    readonly timeoutMs: number,
    readonly attempts: number,
    createCheck?: CreateCheck,
  ) {
    super(message, createCheck);
  }

  protected override rebuild(message: string, check: CreateCheck): WeavzError {
    return new WeavzTimeoutError(
      message,
      this.method,
      this.path,
      this.timeoutMs,
      this.attempts,
      check,
    );
  }
}

/**
 * A create whose answer was lost (reset, timeout, 502/503/504) and whose alias the client then
 * found in the workspace holding something other than what was asked: the create was NOT
 * applied. Carries the facts for the wording layer: what exists and which fields differ.
 */
export class WeavzCreateNotAppliedError extends WeavzError {
  override name = "WeavzCreateNotAppliedError";
  /** Always false: the request's integration does not exist. */
  readonly applied = false;
  constructor(
    message: string,
    /** The alias the create asked for. */
    readonly alias: string,
    /** The integration the workspace holds under that alias. */
    readonly existing: WorkspaceIntegration,
    /** Fields where `existing` differs from the request (never empty). */
    readonly differences: FieldDifference[],
    /** The ambiguous failure that led to the check. */
    readonly original: WeavzError,
  ) {
    super(message, { outcome: "not_created", basis: "differs" });
  }
}

/** The caller aborted (MCP cancellation). */
export class WeavzAbortError extends WeavzError {
  override name = "WeavzAbortError";

  protected override rebuild(message: string, check: CreateCheck): WeavzError {
    return new WeavzAbortError(message, check);
  }
}

function defaultCode(status: number): ApiErrorCode {
  if (status === 400) return "VALIDATION_ERROR";
  if (status === 401) return "UNAUTHORIZED";
  if (status === 403) return "FORBIDDEN";
  if (status === 404) return "NOT_FOUND";
  if (status === 409) return "DUPLICATE";
  if (status === 413) return "PAYLOAD_TOO_LARGE";
  if (status === 429) return "RATE_LIMITED";
  return "INTERNAL_ERROR";
}

/** Appends a sentence to an error message, without doubling the full stop. */
export function addSentence(message: string, sentence: string): string {
  return `${message.replace(/[.\s]+$/, "")}. ${sentence}`;
}
