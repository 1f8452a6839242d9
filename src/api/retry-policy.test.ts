import { describe, expect, it } from "vitest";
import { query } from "./path.js";
import {
  backoffMs,
  classifyNetworkError,
  isRetryableStatus,
  networkErrorCode,
  parseRetryAfter,
  retryAfterDelayMs,
} from "./retry.js";

describe("retry policy (pure)", () => {
  it("retryable statuses per method", () => {
    for (const m of ["GET", "PUT", "PATCH", "DELETE", "POST"])
      expect(isRetryableStatus(429, m)).toBe(true);
    for (const s of [502, 503, 504]) {
      expect(isRetryableStatus(s, "GET")).toBe(true);
      expect(isRetryableStatus(s, "PATCH")).toBe(true);
      expect(isRetryableStatus(s, "POST")).toBe(false);
    }
    for (const s of [400, 401, 404, 409, 500]) expect(isRetryableStatus(s, "GET")).toBe(false);
  });

  it("parses Retry-After seconds and HTTP dates", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("3", now)).toBe(3);
    expect(parseRetryAfter(" 1.5 ", now)).toBe(1.5);
    expect(parseRetryAfter(["2", "9"], now)).toBe(2);
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:10 GMT", now)).toBe(10);
    expect(parseRetryAfter("Wed, 31 Dec 2025 23:59:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter("-1", now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it("backoff is base × 2^n with ±25 % jitter", () => {
    expect(backoffMs(0, 500, () => 0)).toBe(375);
    expect(backoffMs(0, 500, () => 0.5)).toBe(500);
    expect(backoffMs(1, 500, () => 0.999_999)).toBeCloseTo(1250, 0);
  });

  it("Retry-After waits at least what was asked, and gives up when it does not fit", () => {
    expect(retryAfterDelayMs(1, 5000, () => 0)).toBe(1000);
    const d = retryAfterDelayMs(1, 5000, () => 1) ?? 0;
    expect(d).toBeGreaterThan(1000);
    expect(d).toBeLessThanOrEqual(1100);
    expect(retryAfterDelayMs(5, 5000)).toBeUndefined();
    expect(retryAfterDelayMs(1, 1040, () => 1)).toBeLessThan(1040);
  });

  it("classifies network errors", () => {
    const socket = Object.assign(new Error("other side closed"), {
      code: "UND_ERR_SOCKET",
      cause: { code: "ECONNRESET" },
    });
    expect(networkErrorCode(socket)).toBe("ECONNRESET");
    expect(networkErrorCode({ code: "UND_ERR_SOCKET" })).toBe("UND_ERR_SOCKET");
    expect(classifyNetworkError("ECONNREFUSED")).toBe("not_sent");
    expect(classifyNetworkError("UND_ERR_CONNECT_TIMEOUT")).toBe("not_sent");
    expect(classifyNetworkError("ECONNRESET")).toBe("maybe_sent");
    expect(classifyNetworkError("UND_ERR_HEADERS_TIMEOUT")).toBe("maybe_sent");
    expect(classifyNetworkError("UND_ERR_BODY_TIMEOUT")).toBe("maybe_sent");
    expect(classifyNetworkError("UND_ERR_CLOSED")).toBeUndefined();
  });

  it("query omits undefined and null", () => {
    expect(query({})).toBe("");
    expect(query({ a: undefined, b: null })).toBe("");
    expect(query({ limit: 5, summary: false, search: "a b" })).toBe(
      "?limit=5&summary=false&search=a+b",
    );
  });
});
