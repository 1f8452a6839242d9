import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { Pool } from "undici";
import {
  CHANGES_MAX_WAIT_MS,
  type CreateWorkspaceIntegrationInput,
  type WorkspaceIntegrationList,
} from "../domain/index.js";
import { CHANGE_HEADER, type ChangeContext, encodeChangeContext } from "../domain/journal.js";
import { type Logger, silentLogger } from "../log.js";
import { maskDeep, maskSecrets, mightHoldSecret, registerSecret } from "../mask.js";
import { VERSION } from "../version.js";
import { basePrefix, normaliseBaseUrl } from "./base-url.js";
import {
  addSentence,
  WeavzAbortError,
  WeavzApiError,
  WeavzConnectionError,
  WeavzCreateNotAppliedError,
  WeavzError,
  WeavzTimeoutError,
} from "./errors.js";
import { exchange, type StopExchange } from "./exchange.js";
import { query, segment } from "./path.js";
import { createDifferences } from "./reconcile.js";
import {
  backoffMs,
  classifyNetworkError,
  isGatewayStatus,
  isIdempotent,
  isRetryableStatus,
  networkErrorCode,
  parseRetryAfter,
  retryAfterDelayMs,
} from "./retry.js";
import type { CallOptions, CreateWorkspaceIntegrationResult, WeavzApi } from "./types.js";

/** Options of {@link createWeavzClient}. */
export interface WeavzClientOptions {
  /** `http(s)://host[:port][/prefix]`; a trailing `/api/v1` is tolerated and stripped. */
  baseUrl: string;
  /** API key (`wvz_…`), sent as a bearer token; never logged. */
  apiKey: string;
  /** Budget of a whole call including retries, ms. Default 30000, capped at 60000. */
  timeoutMs?: number;
  /** Retries after the first attempt. Default 2. */
  maxRetries?: number;
  /** Debug lines per attempt (method, path, status, ms, attempt). Default: silent. */
  log?: Logger;
  /** Overrides `weavz-mcp/<version>`. */
  userAgent?: string;
  /** Base of the exponential backoff, ms. Default 500. */
  retryBaseMs?: number;
}

/** The API client: {@link WeavzApi} plus `close()` for its connection pool. */
export interface WeavzClient extends WeavzApi {
  /** Closes the keep-alive pool; later calls fail with WeavzConnectionError. */
  close(): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const MAX_TIMEOUT_MS = 60_000;
/** Budget of one execute call: the longest action timeout (60 s) plus a margin. */
const EXECUTE_BUDGET_MS = 75_000;
const API = "/api/v1";
// undici's per-attempt headers/body timers are "fast timers" with ~0.5 s resolution that can
// fire up to one tick early; give them a full second beyond the remaining budget so the call's
// own deadline timer (which knows what was tried) always fires first. They are a backstop.
const UNDICI_TIMER_SLACK_MS = 1_000;
const SNIPPET_CHARS = 200;

type Method = "GET" | "POST" | "PATCH" | "DELETE" | "PUT";

// Abort reasons set on the per-call controller; undici rejects with the reason as given.
const TIMED_OUT = Symbol("weavz-timeout");
const CANCELLED = Symbol("weavz-cancelled");

const now = () => performance.now();

/**
 * Creates the Weavz REST client: one undici keep-alive Pool for the base URL's origin,
 * bounded retries (429 always; 502/503/504 and network errors for GET/PUT/PATCH/DELETE only),
 * one time budget per call, cancellation through `opts.signal`, and create reconciliation
 * (see `createWorkspaceIntegration`).
 */
export function createWeavzClient(opts: WeavzClientOptions): WeavzClient {
  const url = new URL(opts.baseUrl);
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError(`baseUrl must be an http(s) URL, got ${url.protocol}`);
  }
  if (!opts.apiKey) throw new TypeError("apiKey is required");
  const apiKey = opts.apiKey;
  // From here on the key is masked in everything this process emits (results, errors, logs).
  registerSecret(apiKey);
  const prefix = basePrefix(url);
  const baseUrl = normaliseBaseUrl(url);
  const timeoutMs = clamp("timeoutMs", opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, 1, MAX_TIMEOUT_MS);
  const maxRetries = Math.floor(clamp("maxRetries", opts.maxRetries ?? 2, 0, 10));
  const retryBaseMs = clamp("retryBaseMs", opts.retryBaseMs ?? 500, 0, MAX_TIMEOUT_MS);
  const log = opts.log ?? silentLogger;

  const pool = new Pool(url.origin, {
    connect: { timeout: Math.min(10_000, timeoutMs) },
    keepAliveTimeout: 4_000,
  });
  let closing: Promise<void> | undefined;
  const baseHeaders: Record<string, string> = {
    authorization: `Bearer ${apiKey}`,
    accept: "application/json",
    "user-agent": opts.userAgent ?? `weavz-mcp/${VERSION}`,
  };

  /** At most SNIPPET_CHARS of a body, with anything credential-like masked. */
  function snippet(text: string): string {
    // Masked before cutting, so a key straddling the cut cannot leave half of itself behind.
    // Upstream error pages sometimes echo request headers.
    const s = maskSecrets(text);
    return s.length > SNIPPET_CHARS ? `${s.slice(0, SNIPPET_CHARS)}…` : s;
  }

  /**
   * JSON error envelope when the body is JSON (every string masked: upstreams echo keys in
   * `error`, `message`, field messages and `details`); otherwise a short masked snippet.
   */
  function parseErrorBody(text: string): unknown {
    if (text === "") return undefined;
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === "object") return maskDeep(parsed);
    } catch {
      // fall through: proxies answer with HTML or plain text
    }
    return { details: { bodySnippet: snippet(text) } };
  }

  /**
   * One logical call: attempts until success, a non-retryable answer, the retry limit or the
   * budget. `budgetMs` may be less than timeoutMs (create keeps some for reconciliation).
   */
  async function call<T>(
    method: Method,
    path: string,
    body: unknown,
    signal: AbortSignal | undefined,
    budgetMs: number = timeoutMs,
    change?: ChangeContext,
  ): Promise<T> {
    if (signal?.aborted) throw cancelled(method, path, 0);
    const startedAt = now();
    const deadline = startedAt + budgetMs;
    // Why the call was stopped (deadline or caller), and what to interrupt: the exchange or
    // the backoff pause being waited on. Plain closures rather than an AbortController: this
    // runs on every tool call, and the controller and its listeners are measurable there.
    let stopReason: typeof TIMED_OUT | typeof CANCELLED | undefined;
    let interrupt: StopExchange | undefined;
    const stop = (reason: typeof TIMED_OUT | typeof CANCELLED) => {
      if (stopReason) return;
      stopReason = reason;
      interrupt?.(reason);
    };
    const pause = (ms: number) =>
      new Promise<void>((resolve, reject) => {
        if (stopReason) {
          reject(stopReason);
          return;
        }
        const t = setTimeout(() => {
          interrupt = undefined;
          resolve();
        }, ms);
        interrupt = (reason) => {
          clearTimeout(t);
          reject(reason);
        };
      });
    const timer = setTimeout(() => stop(TIMED_OUT), budgetMs);
    const onCancel = () => stop(CANCELLED);
    signal?.addEventListener("abort", onCancel, { once: true });
    const fullPath = prefix + path;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> =
      payload === undefined
        ? { ...baseHeaders, "x-request-id": randomUUID() }
        : { ...baseHeaders, "content-type": "application/json", "x-request-id": randomUUID() };
    if (change) headers[CHANGE_HEADER] = encodeChangeContext(change);
    let attempt = 0;
    try {
      for (;;) {
        attempt++;
        const t0 = now();
        const remaining = Math.max(1, Math.ceil(deadline - t0)) + UNDICI_TIMER_SLACK_MS;
        let status: number;
        let text: string;
        let resHeaders: Record<string, string | string[] | undefined>;
        try {
          const x = exchange(pool, {
            method,
            path: fullPath,
            headers,
            body: payload ?? null,
            headersTimeout: remaining,
            bodyTimeout: remaining,
          });
          interrupt = x.stop;
          ({ status, headers: resHeaders, text } = await x.done);
          interrupt = undefined;
        } catch (err) {
          interrupt = undefined;
          if (stopReason) throw stopped(stopReason, method, path, attempt, budgetMs);
          const code = networkErrorCode(err);
          log.debug("weavz api", {
            method,
            path,
            status: 0,
            ms: round(now() - t0),
            attempt,
            error: code ?? String((err as Error)?.message ?? err),
          });
          const left = deadline - now();
          // Per-attempt timers are derived from the budget: when one fires, the budget is spent.
          if (left <= 0 || code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT") {
            throw timedOut(method, path, attempt, budgetMs);
          }
          if (
            isIdempotent(method) &&
            attempt <= maxRetries &&
            classifyNetworkError(code) !== undefined
          ) {
            const delay = backoffMs(attempt - 1, retryBaseMs);
            if (delay < left) {
              await pause(delay);
              continue;
            }
          }
          throw new WeavzConnectionError(
            `Could not get an answer from the Weavz API at ${baseUrl} for ${method} ${path}: ${
              code ?? "network error"
            } (${shortMessage(err)}) after ${attempt} attempt${attempt === 1 ? "" : "s"}`,
            method,
            path,
            attempt,
            code,
          );
        }
        log.debug("weavz api", { method, path, status, ms: round(now() - t0), attempt });

        if (status >= 200 && status < 300) {
          if (text === "") return {} as T;
          try {
            // Everything upstream said is masked here, at the seam, before any layer sees it.
            const parsed: unknown = JSON.parse(text);
            return (mightHoldSecret(text) ? maskDeep(parsed) : parsed) as T;
          } catch {
            throw WeavzApiError.generate({
              status,
              body: {
                error: `The Weavz API answered ${method} ${path} with ${status} but a body that is not JSON`,
                code: "INVALID_RESPONSE",
                details: { bodySnippet: snippet(text) },
              },
              method,
              path,
              requestId: maskedHeader(resHeaders["x-request-id"]),
            });
          }
        }

        const retryAfterSeconds = parseRetryAfter(resHeaders["retry-after"]);
        const error = WeavzApiError.generate({
          status,
          body: parseErrorBody(text),
          method,
          path,
          requestId: maskedHeader(resHeaders["x-request-id"]),
          retryAfterSeconds,
        });
        if (attempt <= maxRetries && isRetryableStatus(status, method)) {
          const left = deadline - now();
          const delay =
            retryAfterSeconds !== undefined
              ? retryAfterDelayMs(retryAfterSeconds, left)
              : backoffMs(attempt - 1, retryBaseMs);
          if (delay !== undefined && delay < left) {
            await pause(delay);
            continue;
          }
        }
        throw error;
      }
    } catch (err) {
      // Cancellation or the deadline during a backoff sleep.
      if (err === TIMED_OUT || err === CANCELLED) {
        throw stopped(err, method, path, attempt, budgetMs);
      }
      throw err;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onCancel);
    }
  }

  function integrationsPath(method: Method, workspaceId: string): string {
    const w = segment("workspaceId", workspaceId, method, "/workspaces/{workspaceId}/integrations");
    return `${API}/workspaces/${w}/integrations`;
  }

  function integrationPath(method: Method, workspaceId: string, id: string): string {
    const template = "/workspaces/{workspaceId}/integrations/{id}";
    const w = segment("workspaceId", workspaceId, method, template);
    const i = segment("id", id, method, template);
    return `${API}/workspaces/${w}/integrations/${i}`;
  }

  /**
   * POST, never blindly retried (only a 429, which the server rejects before doing work).
   * After an ambiguous failure it lists the workspace's integrations once and looks for the
   * alias: found and matching every field the request set → `{integration, reconciled: true}`;
   * found but different → {@link WeavzCreateNotAppliedError} (what exists, `applied: false`);
   * absent → the original error remade with `createOutcome = "not_created"` and a message that
   * says it is safe to retry; list failed → remade with `createOutcome = "unknown"`.
   */
  async function createWorkspaceIntegration(
    workspaceId: string,
    body: CreateWorkspaceIntegrationInput,
    callOpts?: CallOptions,
  ): Promise<CreateWorkspaceIntegrationResult> {
    const path = integrationsPath("POST", workspaceId);
    const signal = callOpts?.signal;
    const startedAt = now();
    // Keep part of the budget for the reconciliation listing.
    const reserve = Math.min(5_000, Math.floor(timeoutMs / 4));
    try {
      return await call<CreateWorkspaceIntegrationResult>(
        "POST",
        path,
        body,
        signal,
        timeoutMs - reserve,
        callOpts?.change,
      );
    } catch (err) {
      if (!(err instanceof WeavzError)) throw err;
      const settled = await reconcileCreate(err, path, body, signal, startedAt);
      if (settled instanceof WeavzError) throw settled;
      return settled;
    }
  }

  /**
   * After a failed create: the error to throw, made once with what was established (never the
   * thrown error changed), or the integration when the alias holds exactly what was asked.
   */
  async function reconcileCreate(
    err: WeavzError,
    path: string,
    body: CreateWorkspaceIntegrationInput,
    signal: AbortSignal | undefined,
    startedAt: number,
  ): Promise<WeavzError | CreateWorkspaceIntegrationResult> {
    const kind = createFailureKind(err);
    if (kind === "definite") {
      return err instanceof WeavzApiError && err.status === 429
        ? err.afterCreateCheck({ outcome: "not_created", basis: "refused" })
        : err;
    }
    if (kind === "not_sent") {
      return err.afterCreateCheck(
        { outcome: "not_created", basis: "not_sent" },
        "The request never reached the server, so the integration was NOT created; it is safe to retry.",
      );
    }
    if (kind === "cancelled") {
      return err.afterCreateCheck(
        { outcome: "unknown", basis: "cancelled" },
        "The integration may or may not have been created; list the workspace's integrations before retrying.",
      );
    }
    const alias = body.alias ?? body.integrationName;
    let list: WorkspaceIntegrationList;
    try {
      const left = Math.max(1, timeoutMs - (now() - startedAt));
      list = await call<WorkspaceIntegrationList>("GET", path, undefined, signal, left);
    } catch (listErr) {
      return err.afterCreateCheck(
        { outcome: "unknown", basis: "list_failed" },
        `Whether the integration was created is unknown: listing the workspace's integrations to check failed (${
          listErr instanceof Error ? listErr.message : String(listErr)
        }); list them before retrying.`,
      );
    }
    const found = Array.isArray(list?.integrations)
      ? list.integrations.find((i) => i.alias === alias)
      : undefined;
    if (!found) {
      return err.afterCreateCheck(
        { outcome: "not_created", basis: "absent" },
        `The integration was NOT created (alias "${alias}" is not in the workspace's integrations); it is safe to retry.`,
      );
    }
    const differences = createDifferences(body, found);
    if (differences.length === 0) {
      log.info("create reconciled: found after an ambiguous failure", {
        method: "POST",
        path,
        alias,
        id: found.id,
        error: err.message,
      });
      return { integration: found, reconciled: true };
    }
    // Same alias, different content: someone else's integration (or ours was refused).
    // Reporting it as created would be a lie, so the facts travel to the wording layer.
    log.info("create not applied: alias holds a different integration", {
      method: "POST",
      path,
      alias,
      id: found.id,
      fields: differences.map((d) => d.field),
      error: err.message,
    });
    return new WeavzCreateNotAppliedError(
      addSentence(
        err.message,
        `The integration was NOT created: alias "${alias}" belongs to an existing ${found.integrationName} integration (id ${found.id}) that differs in ${differences
          .map((d) => d.field)
          .join(", ")}.`,
      ),
      alias,
      found,
      differences,
      err,
    );
  }

  return {
    baseUrl,

    listWorkspaceIntegrations(workspaceId, callOpts) {
      return call("GET", integrationsPath("GET", workspaceId), undefined, callOpts?.signal);
    },

    createWorkspaceIntegration,

    updateWorkspaceIntegration(workspaceId, id, body, callOpts) {
      return call(
        "PATCH",
        integrationPath("PATCH", workspaceId, id),
        body,
        callOpts?.signal,
        timeoutMs,
        callOpts?.change,
      );
    },

    deleteWorkspaceIntegration(workspaceId, id, callOpts) {
      return call(
        "DELETE",
        integrationPath("DELETE", workspaceId, id),
        undefined,
        callOpts?.signal,
        timeoutMs,
        callOpts?.change,
      );
    },

    listChanges(q, callOpts) {
      const w = segment("workspaceId", q.workspaceId, "GET", "/workspaces/{workspaceId}/history");
      const qs = query({
        integration: q.integration,
        since: q.since,
        planId: q.planId,
        limit: q.limit,
        offset: q.offset,
      });
      return call("GET", `${API}/workspaces/${w}/history${qs}`, undefined, callOpts?.signal);
    },

    getChange(changeId, callOpts) {
      const i = segment("changeId", changeId, "GET", "/history/{changeId}");
      return call("GET", `${API}/history/${i}`, undefined, callOpts?.signal);
    },

    listWorkspaces(q, callOpts) {
      const qs = query({ limit: q?.limit, offset: q?.offset });
      return call("GET", `${API}/workspaces${qs}`, undefined, callOpts?.signal);
    },

    getWorkspace(id, callOpts) {
      const i = segment("id", id, "GET", "/workspaces/{id}");
      return call("GET", `${API}/workspaces/${i}`, undefined, callOpts?.signal);
    },

    listConnections(q, callOpts) {
      const qs = query({
        workspaceId: q?.workspaceId,
        integrationName: q?.integrationName,
        limit: q?.limit,
        offset: q?.offset,
      });
      return call("GET", `${API}/connections${qs}`, undefined, callOpts?.signal);
    },

    listCatalog(q, callOpts) {
      const qs = query({
        search: q?.search,
        summary: q?.summary,
        limit: q?.limit,
        offset: q?.offset,
      });
      return call("GET", `${API}/integrations${qs}`, undefined, callOpts?.signal);
    },

    getCatalogIntegration(name, callOpts) {
      // Same client-side 400 as a path segment for an empty name (a query value, not a path).
      if (!name) segment("name", name, "GET", "/integrations?name={name}");
      return call("GET", `${API}/integrations${query({ name })}`, undefined, callOpts?.signal);
    },

    listMcpServers(q, callOpts) {
      const qs = query({ workspaceId: q?.workspaceId, limit: q?.limit, offset: q?.offset });
      return call("GET", `${API}/mcp/servers${qs}`, undefined, callOpts?.signal);
    },

    listEndUsers(q, callOpts) {
      const qs = query({ workspaceId: q.workspaceId, limit: q.limit, offset: q.offset });
      return call("GET", `${API}/end-users${qs}`, undefined, callOpts?.signal);
    },

    getMcpServer(id, callOpts) {
      const i = segment("id", id, "GET", "/mcp/servers/{id}");
      return call("GET", `${API}/mcp/servers/${i}`, undefined, callOpts?.signal);
    },

    waitForChange(since, waitMs, callOpts) {
      const wait = Math.max(0, Math.min(CHANGES_MAX_WAIT_MS, Math.floor(waitMs)));
      // A long poll holds the request by design: its budget is the wait plus the usual margin.
      return call(
        "GET",
        `${API}/changes${query({ since, waitMs: wait })}`,
        undefined,
        callOpts?.signal,
        Math.min(MAX_TIMEOUT_MS, wait + Math.min(timeoutMs, 10_000)),
      );
    },

    executeAction(body, callOpts) {
      // An action may run up to a minute (advanced-code's longest timeout): the budget covers it.
      return call(
        "POST",
        `${API}/actions/execute`,
        body,
        callOpts?.signal,
        Math.max(timeoutMs, EXECUTE_BUDGET_MS),
      );
    },

    health(callOpts) {
      return call("GET", "/health", undefined, callOpts?.signal);
    },

    close() {
      closing ??= pool.close();
      return closing;
    },
  };
}

/** How a failed create ended, for reconciliation. */
function createFailureKind(err: WeavzError): "definite" | "not_sent" | "ambiguous" | "cancelled" {
  if (err instanceof WeavzApiError) return isGatewayStatus(err.status) ? "ambiguous" : "definite";
  if (err instanceof WeavzTimeoutError) return "ambiguous";
  if (err instanceof WeavzAbortError) return "cancelled";
  if (err instanceof WeavzConnectionError) {
    return classifyNetworkError(err.causeCode) === "not_sent" ? "not_sent" : "ambiguous";
  }
  return "ambiguous";
}

function stopped(
  reason: unknown,
  method: string,
  path: string,
  attempts: number,
  budgetMs: number,
): WeavzError {
  return reason === TIMED_OUT
    ? timedOut(method, path, attempts, budgetMs)
    : cancelled(method, path, attempts);
}

function timedOut(method: string, path: string, attempts: number, budgetMs: number) {
  return new WeavzTimeoutError(
    `${method} ${path} did not complete within its ${budgetMs} ms budget (${attempts} attempt${
      attempts === 1 ? "" : "s"
    })`,
    method,
    path,
    budgetMs,
    attempts,
  );
}

function cancelled(method: string, path: string, attempts: number) {
  return new WeavzAbortError(
    `${method} ${path} was cancelled by the caller${
      attempts > 0 ? ` (during attempt ${attempts})` : " before it was sent"
    }.`,
  );
}

function shortMessage(err: unknown): string {
  const m = maskSecrets(err instanceof Error ? err.message : String(err));
  return m.length > 120 ? `${m.slice(0, 120)}…` : m;
}

/** A response header's first value, masked (upstreams may echo anything into it). */
function maskedHeader(v: string | string[] | undefined): string | undefined {
  const first = Array.isArray(v) ? v[0] : v;
  return first === undefined ? undefined : maskSecrets(first);
}

function clamp(name: string, n: number, min: number, max: number): number {
  if (!Number.isFinite(n)) throw new TypeError(`${name} must be a finite number`);
  return Math.min(max, Math.max(min, n));
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
