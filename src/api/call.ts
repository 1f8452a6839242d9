// Owns the request pipeline: one logical call's attempts, retries, budget, cancellation and masking.
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import type { Pool } from "undici";
import { CHANGE_HEADER, type ChangeContext, encodeChangeContext } from "../domain/journal.js";
import type { Logger } from "../log.js";
import { maskDeep, maskSecrets, mightHoldSecret } from "../mask.js";
import {
  WeavzAbortError,
  WeavzApiError,
  WeavzConnectionError,
  type WeavzError,
  WeavzTimeoutError,
} from "./errors.js";
import { exchange, type StopExchange } from "./exchange.js";
import {
  backoffMs,
  classifyNetworkError,
  isIdempotent,
  isRetryableStatus,
  networkErrorCode,
  parseRetryAfter,
  retryAfterDelayMs,
} from "./retry.js";

// undici's per-attempt headers/body timers are "fast timers" with ~0.5 s resolution that can
// fire up to one tick early; give them a full second beyond the remaining budget so the call's
// own deadline timer (which knows what was tried) always fires first. They are a backstop.
const UNDICI_TIMER_SLACK_MS = 1_000;
const SNIPPET_CHARS = 200;

export type Method = "GET" | "POST" | "PATCH" | "DELETE" | "PUT";

// Abort reasons set on the per-call controller; undici rejects with the reason as given.
const TIMED_OUT = Symbol("weavz-timeout");
const CANCELLED = Symbol("weavz-cancelled");

const now = () => performance.now();

/** What the pipeline works with: the pool, where it points, and the client's settings. */
export interface PipelineOptions {
  pool: Pool;
  /** Path prefix of the base URL, put before every path. */
  prefix: string;
  /** The normalised base URL, for messages. */
  baseUrl: string;
  /** Headers of every request (authorization, accept, user-agent). */
  baseHeaders: Readonly<Record<string, string>>;
  timeoutMs: number;
  maxRetries: number;
  retryBaseMs: number;
  log: Logger;
}

/**
 * One logical call: attempts until success, a non-retryable answer, the retry limit or the
 * budget. `budgetMs` (default: timeoutMs) may be less than timeoutMs (create keeps some for
 * reconciliation).
 */
export type Call = <T>(
  method: Method,
  path: string,
  body: unknown,
  signal: AbortSignal | undefined,
  budgetMs?: number,
  change?: ChangeContext,
) => Promise<T>;

/** The pipeline's {@link Call} over one pool. */
export function createCall(opts: PipelineOptions): Call {
  const { pool, prefix, baseUrl, baseHeaders, timeoutMs, maxRetries, retryBaseMs, log } = opts;

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

  return call;
}

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

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
