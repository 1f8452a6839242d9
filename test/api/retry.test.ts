import { describe, expect, it } from "vitest";
import {
  WeavzAbortError,
  WeavzApiError,
  WeavzConnectionError,
  WeavzTimeoutError,
} from "../../src/api/errors.js";
import { json, startFaultServer } from "./fault-server.js";
import { caught, client, integration, useFaultServer, WS } from "./helpers.js";

let c: ReturnType<typeof client>;
const upstream = useFaultServer(() => c);

const LIST = { integrations: [], total: 0 };
const unavailable = json(503, { error: "Service unavailable", code: "INTERNAL_ERROR" });

describe("429 and Retry-After", () => {
  it("retries a 429 after the Retry-After seconds", async () => {
    c = client(upstream.up.url, { timeoutMs: 5000 });
    upstream.up.sequence(
      json(429, { error: "slow down", code: "RATE_LIMITED" }, { "retry-after": "1" }),
      json(200, LIST),
    );
    const t0 = performance.now();
    expect(await c.listWorkspaceIntegrations(WS)).toEqual(LIST);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(990);
    expect(upstream.up.requests).toHaveLength(2);
    const gap = (upstream.up.requests[1]?.at ?? 0) - (upstream.up.requests[0]?.at ?? 0);
    expect(gap).toBeGreaterThanOrEqual(990);
  });

  it("accepts Retry-After as an HTTP date", async () => {
    c = client(upstream.up.url, { timeoutMs: 5000 });
    upstream.up.handle((_req, i) =>
      i === 0
        ? json(
            429,
            { error: "slow down", code: "RATE_LIMITED" },
            {
              "retry-after": new Date(Date.now() + 1500).toUTCString(),
            },
          )
        : json(200, LIST),
    );
    const t0 = performance.now();
    await c.listWorkspaceIntegrations(WS);
    // HTTP dates have 1 s resolution: the wait is between 0.5 and 1.5 s.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(450);
    expect(upstream.up.requests).toHaveLength(2);
  });

  it("fails fast with the 429 when Retry-After exceeds the remaining budget", async () => {
    c = client(upstream.up.url, { timeoutMs: 1500 });
    upstream.up.sequence(
      json(429, { error: "slow down", code: "RATE_LIMITED" }, { "retry-after": "30" }),
    );
    const err = (await caught(() => c.listWorkspaces())) as WeavzApiError;
    // Fast means no wait was started: one attempt, no retry.
    expect(upstream.up.requests).toHaveLength(1);
    expect(err).toBeInstanceOf(WeavzApiError);
    expect(err.status).toBe(429);
    expect(err.code).toBe("RATE_LIMITED");
    expect(err.retryAfterSeconds).toBe(30);
    expect(upstream.up.requests).toHaveLength(1);
  });

  it("retries a 429 on POST (the server did nothing)", async () => {
    c = client(upstream.up.url, { timeoutMs: 5000 });
    upstream.up.sequence(
      json(429, { error: "slow down", code: "RATE_LIMITED" }, { "retry-after": "0" }),
      json(201, { integration: integration() }),
    );
    const out = await c.createWorkspaceIntegration(WS, { integrationName: "slack" });
    expect(out.integration.alias).toBe("slack");
    expect(out.reconciled).toBeUndefined();
    expect(upstream.up.requests.map((r) => r.method)).toEqual(["POST", "POST"]);
  });

  it("gives up after maxRetries 429s and marks a create not created", async () => {
    c = client(upstream.up.url, { maxRetries: 2 });
    upstream.up.handle(() => json(429, { error: "slow down", code: "RATE_LIMITED" }));
    const err = (await caught(() =>
      c.createWorkspaceIntegration(WS, { integrationName: "slack" }),
    )) as WeavzApiError;
    expect(err.status).toBe(429);
    expect(err.createOutcome).toBe("not_created");
    expect(upstream.up.requests).toHaveLength(3);
  });
});

describe("5xx and network errors", () => {
  it("retries 503 on GET up to maxRetries, then throws the 503", async () => {
    c = client(upstream.up.url, { maxRetries: 2 });
    upstream.up.handle(() => unavailable);
    const err = (await caught(() => c.listWorkspaceIntegrations(WS))) as WeavzApiError;
    expect(err).toBeInstanceOf(WeavzApiError);
    expect(err.status).toBe(503);
    expect(upstream.up.requests).toHaveLength(3);
  });

  it("retries 502/504 on PATCH and DELETE and succeeds", async () => {
    c = client(upstream.up.url);
    upstream.up.sequence(
      json(502, {}),
      json(200, { integration: integration() }),
      json(504, {}),
      json(200, { deleted: true, id: "x" }),
    );
    await c.updateWorkspaceIntegration(WS, "x", { sortOrder: 2 });
    await c.deleteWorkspaceIntegration(WS, "x");
    expect(upstream.up.requests.map((r) => r.method)).toEqual([
      "PATCH",
      "PATCH",
      "DELETE",
      "DELETE",
    ]);
  });

  it("does not retry 500", async () => {
    c = client(upstream.up.url);
    upstream.up.handle(() => json(500, { error: "boom", code: "INTERNAL_ERROR" }));
    expect(((await caught(() => c.listWorkspaces())) as WeavzApiError).status).toBe(500);
    expect(upstream.up.requests).toHaveLength(1);
  });

  it("never retries POST on 503 (then reconciles once with a GET)", async () => {
    c = client(upstream.up.url, { maxRetries: 2 });
    upstream.up.handle((req) => (req.method === "POST" ? unavailable : json(200, LIST)));
    const err = (await caught(() =>
      c.createWorkspaceIntegration(WS, { integrationName: "slack" }),
    )) as WeavzApiError;
    expect(err.status).toBe(503);
    expect(upstream.up.requests.map((r) => r.method)).toEqual(["POST", "GET"]);
  });

  it("uses exponential backoff between retries", async () => {
    c = client(upstream.up.url, { maxRetries: 2, retryBaseMs: 100 });
    upstream.up.handle(() => unavailable);
    await caught(() => c.listWorkspaces());
    const [a, b, d] = upstream.up.requests.map((r) => r.at);
    // 100 ms × 2^0 and × 2^1, each ±25 %.
    expect((b ?? 0) - (a ?? 0)).toBeGreaterThanOrEqual(70);
    expect((d ?? 0) - (b ?? 0)).toBeGreaterThanOrEqual(145);
  });

  it("retries a socket reset on GET and succeeds", async () => {
    c = client(upstream.up.url);
    upstream.up.sequence({ kind: "reset" }, json(200, LIST));
    expect(await c.listWorkspaceIntegrations(WS)).toEqual(LIST);
    expect(upstream.up.requests).toHaveLength(2);
    expect(
      c.log.lines.some((l) =>
        /"status":0.*"attempt":1.*"error":"(ECONNRESET|UND_ERR_SOCKET)"/.test(l),
      ),
    ).toBe(true);
  });

  it("throws WeavzConnectionError after repeated resets", async () => {
    c = client(upstream.up.url, { maxRetries: 1 });
    upstream.up.handle(() => ({ kind: "reset" }));
    const err = (await caught(() => c.listWorkspaces())) as WeavzConnectionError;
    expect(err).toBeInstanceOf(WeavzConnectionError);
    expect(err.attempts).toBe(2);
    expect(err.causeCode).toMatch(/ECONNRESET|UND_ERR_SOCKET/);
    expect(err.message).toContain("GET /api/v1/workspaces");
  });

  it("connection refused → WeavzConnectionError (retried on GET)", async () => {
    const dead = await startFaultServer();
    const url = dead.url;
    await dead.close();
    c = client(url, { maxRetries: 1 });
    const err = (await caught(() => c.health())) as WeavzConnectionError;
    expect(err).toBeInstanceOf(WeavzConnectionError);
    expect(err.causeCode).toBe("ECONNREFUSED");
    expect(err.attempts).toBe(2);
  });
});

describe("time budget", () => {
  // Checked by attempts and the budget the error reports, not by wall-clock upper bounds
  // (a loaded machine stretches those); a hang would hit the test's own timeout.
  it("a hanging upstream → WeavzTimeoutError within the budget", async () => {
    c = client(upstream.up.url, { timeoutMs: 1500 });
    upstream.up.handle(() => ({ kind: "hang" }));
    const t0 = performance.now();
    const err = (await caught(() => c.listWorkspaceIntegrations(WS))) as WeavzTimeoutError;
    const elapsed = performance.now() - t0;
    expect(err).toBeInstanceOf(WeavzTimeoutError);
    expect(elapsed).toBeGreaterThanOrEqual(1450);
    expect(err.timeoutMs).toBe(1500);
    expect(err.attempts).toBe(1);
    expect(err.message).toMatch(
      /GET \/api\/v1\/workspaces\/.+\/integrations did not complete within its 1500 ms budget \(1 attempt\)/,
    );
    expect(await upstream.up.requests[0]?.clientClosed).toBe(true);
  });

  it("the budget covers retries and backoff: slow 503s then a hang still end in time", async () => {
    c = client(upstream.up.url, { timeoutMs: 1500, maxRetries: 2, retryBaseMs: 200 });
    upstream.up.sequence(
      { kind: "json", status: 503, body: { error: "down", code: "INTERNAL_ERROR" }, delayMs: 300 },
      { kind: "hang" },
    );
    const err = (await caught(() => c.listWorkspaces())) as WeavzTimeoutError;
    expect(err).toBeInstanceOf(WeavzTimeoutError);
    expect(err.attempts).toBe(2);
    expect(err.timeoutMs).toBe(1500);
    expect(upstream.up.requests).toHaveLength(2);
  });

  it("a slow body is cut at the deadline too", async () => {
    c = client(upstream.up.url, { timeoutMs: 800 });
    upstream.up.sequence({ kind: "json", status: 200, body: LIST, delayMs: 5000 });
    const slowErr = (await caught(() => c.listWorkspaces())) as WeavzTimeoutError;
    expect(slowErr).toBeInstanceOf(WeavzTimeoutError);
    expect(slowErr.timeoutMs).toBe(800);
    expect(slowErr.attempts).toBe(1);
    expect(await upstream.up.requests[0]?.clientClosed).toBe(true);
  });

  it("does not start a backoff that cannot finish in the budget: throws the real error", async () => {
    c = client(upstream.up.url, { timeoutMs: 1000, retryBaseMs: 2000 });
    upstream.up.handle(() => unavailable);
    const err = (await caught(() => c.listWorkspaces())) as WeavzApiError;
    expect(err.status).toBe(503);
    expect(upstream.up.requests).toHaveLength(1);
  });
});

describe("cancellation", () => {
  it("aborting mid-request → WeavzAbortError quickly, upstream sees the connection closed", async () => {
    c = client(upstream.up.url, { timeoutMs: 10_000 });
    upstream.up.handle(() => ({ kind: "hang" }));
    const ac = new AbortController();
    const p = caught(() => c.listWorkspaceIntegrations(WS, { signal: ac.signal }));
    while (upstream.up.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    ac.abort();
    const err = await p;
    expect(err).toBeInstanceOf(WeavzAbortError);
    expect(upstream.up.requests).toHaveLength(1);
    expect(err.message).toContain("cancelled");
    expect(await upstream.up.requests[0]?.clientClosed).toBe(true);
  });

  it("aborting during a backoff sleep stops retrying", async () => {
    c = client(upstream.up.url, { timeoutMs: 10_000 });
    upstream.up.sequence(
      json(429, { error: "slow down", code: "RATE_LIMITED" }, { "retry-after": "5" }),
    );
    const ac = new AbortController();
    const p = caught(() => c.listWorkspaces(undefined, { signal: ac.signal }));
    // The client logs each answer it read just before it starts the backoff sleep: abort then,
    // so the abort lands in the sleep rather than in the exchange.
    while (!c.log.lines.some((l) => l.startsWith("debug weavz api") && l.includes('"status":429')))
      await new Promise((r) => setTimeout(r, 5));
    ac.abort();
    // The 5 s Retry-After was not waited out: the abort ended the call (the test would time
    // out otherwise), with no second attempt.
    expect(await p).toBeInstanceOf(WeavzAbortError);
    expect(upstream.up.requests).toHaveLength(1);
  });

  it("an already-aborted signal sends nothing", async () => {
    c = client(upstream.up.url);
    const err = await caught(() => c.health({ signal: AbortSignal.abort() }));
    expect(err).toBeInstanceOf(WeavzAbortError);
    expect(upstream.up.requests).toHaveLength(0);
  });

  it("cancelling a create says the outcome is unknown, and does not reconcile", async () => {
    c = client(upstream.up.url, { timeoutMs: 10_000 });
    upstream.up.handle(() => ({ kind: "hang" }));
    const ac = new AbortController();
    const p = caught(() =>
      c.createWorkspaceIntegration(WS, { integrationName: "slack" }, { signal: ac.signal }),
    );
    while (upstream.up.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    ac.abort();
    const err = (await p) as WeavzAbortError;
    expect(err).toBeInstanceOf(WeavzAbortError);
    expect(err.createOutcome).toBe("unknown");
    expect(err.message).toMatch(/may or may not have been created/);
    expect(upstream.up.requests).toHaveLength(1);
  });
});
