import type { FieldIssue } from "../domain/errors.js";
import type { WorkspaceIntegration } from "../domain/integration.js";
import type { FieldDifference } from "./reconcile.js";

/** Base of every error the API client throws. */
export class WeavzError extends Error {
  override name = "WeavzError";
  /**
   * Set only on errors from `createWorkspaceIntegration` whose outcome the client checked or
   * could not check: "not_created" (safe to retry), "unknown" (list before retrying).
   */
  createOutcome?: "not_created" | "unknown";
}

/**
 * The API answered with an error status. Built only through {@link WeavzApiError.generate}
 * so that every caller sees the same fields.
 */
export class WeavzApiError extends WeavzError {
  override name = "WeavzApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> | undefined,
    readonly requestId: string | undefined,
    readonly method: string,
    readonly path: string,
    /** Seconds from Retry-After, when the server sent one. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }

  /** Field issues from a VALIDATION_ERROR's details, when present. */
  get fieldIssues(): FieldIssue[] {
    const issues = this.details?.issues;
    return Array.isArray(issues) ? (issues as FieldIssue[]) : [];
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
    let code = defaultCode(status);
    let message = `HTTP ${status} from ${method} ${path}`;
    let details: Record<string, unknown> | undefined;
    if (body && typeof body === "object") {
      const b = body as Record<string, unknown>;
      if (typeof b.code === "string") code = b.code;
      if (typeof b.error === "string") message = b.error;
      else if (typeof b.message === "string") message = b.message;
      if (b.details && typeof b.details === "object")
        details = b.details as Record<string, unknown>;
    }
    return new WeavzApiError(
      status,
      code,
      message,
      details,
      args.requestId,
      method,
      path,
      args.retryAfterSeconds,
    );
  }
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
  ) {
    super(message);
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
  ) {
    super(message);
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
  override createOutcome = "not_created" as const;
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
    super(message);
  }
}

/** The caller aborted (MCP cancellation). */
export class WeavzAbortError extends WeavzError {
  override name = "WeavzAbortError";
}

function defaultCode(status: number): string {
  if (status === 400) return "VALIDATION_ERROR";
  if (status === 401) return "UNAUTHORIZED";
  if (status === 403) return "FORBIDDEN";
  if (status === 404) return "NOT_FOUND";
  if (status === 409) return "DUPLICATE";
  if (status === 413) return "PAYLOAD_TOO_LARGE";
  if (status === 429) return "RATE_LIMITED";
  return "INTERNAL_ERROR";
}
