/** Retry policy of the official Weavz SDKs, as pure functions (no timers, no I/O). */

/** Methods retried on 5xx and network errors. PATCH is included, as the official SDKs do. */
export function isIdempotent(method: string): boolean {
  return method === "GET" || method === "PUT" || method === "PATCH" || method === "DELETE";
}

/** Gateway statuses: the request may or may not have reached the application. */
export function isGatewayStatus(status: number): boolean {
  return status === 502 || status === 503 || status === 504;
}

/** Whether a response status is worth another attempt for this method. */
export function isRetryableStatus(status: number, method: string): boolean {
  if (status === 429) return true; // rejected before any work: safe for every method
  return isGatewayStatus(status) && isIdempotent(method);
}

/** Network failures where the request never left this machine (safe even for POST). */
const NOT_SENT = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/** Network failures after which the request may have been received and processed. */
const MAYBE_SENT = new Set([
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "UND_ERR_SOCKET",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_RES_CONTENT_LENGTH_MISMATCH",
]);

/** The most specific error code of a network error (undici wraps socket errors). */
export function networkErrorCode(err: unknown): string | undefined {
  if (!err || typeof err !== "object") return undefined;
  const e = err as { code?: unknown; cause?: { code?: unknown } };
  const code = typeof e.code === "string" ? e.code : undefined;
  const cause = typeof e.cause?.code === "string" ? e.cause.code : undefined;
  // UND_ERR_SOCKET with an ECONNRESET cause reads better as ECONNRESET.
  if (code === "UND_ERR_SOCKET" && cause) return cause;
  return code ?? cause;
}

/** "not_sent" (request never left), "maybe_sent" (ambiguous) or undefined (not a network error). */
export function classifyNetworkError(
  code: string | undefined,
): "not_sent" | "maybe_sent" | undefined {
  if (code === undefined) return undefined;
  if (NOT_SENT.has(code)) return "not_sent";
  if (MAYBE_SENT.has(code)) return "maybe_sent";
  return undefined;
}

/**
 * Retry-After as seconds: delta-seconds or an HTTP date (relative to `now`). Undefined when
 * absent or unparseable; never negative.
 */
export function parseRetryAfter(
  value: string | string[] | undefined,
  now: number = Date.now(),
): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined) return undefined;
  const text = raw.trim();
  if (text === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  // An HTTP date has a weekday and a month name; Date.parse would read "-1" as a year.
  if (!/[a-z]{3}/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, (at - now) / 1000);
}

/** Exponential backoff with ±25 % jitter: base × 2^retryIndex × [0.75, 1.25). */
export function backoffMs(
  retryIndex: number,
  baseMs: number,
  random: () => number = Math.random,
): number {
  return baseMs * 2 ** retryIndex * (0.75 + 0.5 * random());
}

/**
 * Wait before retrying after a Retry-After: at least what the server asked, plus a little
 * positive jitter (≤ 10 %, ≤ 250 ms) so many clients do not return in lockstep. Undefined when
 * the wait does not fit in `remainingMs` (the caller then gives up with the 429).
 */
export function retryAfterDelayMs(
  seconds: number,
  remainingMs: number,
  random: () => number = Math.random,
): number | undefined {
  const ms = seconds * 1000;
  if (ms >= remainingMs) return undefined;
  const jitter = Math.min(ms * 0.1, 250, (remainingMs - ms) / 2) * random();
  return ms + jitter;
}
