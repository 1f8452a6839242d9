import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createWeavzClient } from "../../src/api/client.js";
import { silentLogger } from "../../src/log.js";
import { startFaultProxy } from "../helpers/fault-proxy.js";
import { startTestLocalApi, type TestLocalApi } from "../helpers/local-api.js";
import { connectMcp, DEMO_WS, textOf } from "../helpers/mcp.js";

type Proxy = Awaited<ReturnType<typeof startFaultProxy>>;
const text = textOf;

describe("the MCP tools against a real local API behind a fault-injecting proxy", () => {
  let local: TestLocalApi;
  let proxy: Proxy;
  let mcp: Awaited<ReturnType<typeof connectMcp>>;
  const call = (name: string, args: Record<string, unknown>, options?: { signal?: AbortSignal }) =>
    mcp.call(name, args, options);
  const posts = () => proxy.seen.filter((s) => s.method === "POST").length;
  const stored = async () =>
    (await (
      await fetch(`${local.url}/api/v1/workspaces/${DEMO_WS}/integrations`, {
        headers: { authorization: `Bearer ${local.apiKey}` },
      })
    ).json()) as any;

  beforeAll(async () => {
    local = await startTestLocalApi();
    proxy = await startFaultProxy(local.url);
    const api = createWeavzClient({
      baseUrl: proxy.url,
      apiKey: local.apiKey,
      log: silentLogger,
      timeoutMs: 2000,
      retryBaseMs: 20,
    });
    mcp = await connectMcp(api, { defaultWorkspaceId: DEMO_WS });
  });
  afterAll(async () => {
    await mcp.close();
    await proxy.close();
    await local.close();
  });

  beforeEach(() => {
    proxy.seen.length = 0;
    proxy.script(() => ({ kind: "pass" }));
  });

  it("retries a read after 503 and after a reset, and succeeds", async () => {
    proxy.script((_m, _u, i) =>
      i === 0
        ? { kind: "status", status: 503 }
        : i === 1
          ? { kind: "reset-before" }
          : { kind: "pass" },
    );
    const r = await call("list_workspace_integrations", {});
    expect(r.isError, text(r)).toBeFalsy();
    expect(proxy.seen.map((s) => s.fault)).toEqual(["status", "reset-before", "pass"]);
  });

  it("waits as long as Retry-After says on 429", async () => {
    proxy.script((_m, _u, i) =>
      i === 0
        ? {
            kind: "status",
            status: 429,
            headers: { "retry-after": "1" },
            body: { error: "slow down", code: "RATE_LIMITED" },
          }
        : { kind: "pass" },
    );
    const t0 = performance.now();
    const r = await call("list_workspaces", {});
    expect(r.isError, text(r)).toBeFalsy();
    expect(performance.now() - t0).toBeGreaterThanOrEqual(950);
    expect(proxy.seen.length).toBe(2);
  });

  it("reports a create whose answer was lost, after finding it by alias", async () => {
    proxy.script((m) => (m === "POST" ? { kind: "reset-after" } : { kind: "pass" }));
    const r = await call("create_workspace_integration", {
      integrationName: "kv-store",
      alias: "lost_answer",
    });
    expect(r.isError, text(r)).toBeFalsy();
    expect(r.structuredContent).toMatchObject({
      integration: { alias: "lost_answer" },
      reconciled: true,
    });
    expect(text(r)).toMatch(/confirmed by looking it up/);
    expect(posts()).toBe(1);
    expect(
      (await stored()).integrations.filter((i: any) => i.alias === "lost_answer"),
    ).toHaveLength(1);
  });

  it("issue 8 #1: a lost create whose alias holds a different integration is NOT reported as created", async () => {
    // Someone else's team_slack: per_user, set up directly on the local API.
    const theirs = await fetch(`${local.url}/api/v1/workspaces/${DEMO_WS}/integrations`, {
      method: "POST",
      headers: { authorization: `Bearer ${local.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({
        integrationName: "slack",
        alias: "team_slack_theirs",
        connectionStrategy: "per_user",
      }),
    });
    expect(theirs.status).toBe(201);
    // The gateway loses the POST's answer (the API itself would have said 409).
    proxy.script((m) => (m === "POST" ? { kind: "status", status: 502 } : { kind: "pass" }));
    const r = await call("create_workspace_integration", {
      integrationName: "slack",
      alias: "team_slack_theirs",
      connectionStrategy: "fixed",
      connectionId: "c1d2e3f4-5678-90ab-cdef-1234567890ab",
    });
    expect(r.isError).toBe(true);
    expect(text(r)).not.toMatch(/Created/);
    expect(text(r)).toMatch(/NOT applied/);
    expect(text(r)).toMatch(/connectionStrategy: requested "fixed", existing has "per_user"/);
    expect(text(r)).toMatch(/update_workspace_integration/);
    const held = (await stored()).integrations.filter((i: any) => i.alias === "team_slack_theirs");
    expect(held).toHaveLength(1);
    expect(held[0].connectionStrategy).toBe("per_user");
  });

  it("never retries a create on 503, and says it was not created", async () => {
    proxy.script((m) => (m === "POST" ? { kind: "status", status: 503 } : { kind: "pass" }));
    const r = await call("create_workspace_integration", {
      integrationName: "kv-store",
      alias: "not_made",
    });
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/NOT created[\s\S]*safe to retry/);
    expect(posts()).toBe(1);
    expect((await stored()).integrations.map((i: any) => i.alias)).not.toContain("not_made");
  });

  it("says a timed-out create was NOT applied when the client proved it, never 'may or may not'", async () => {
    proxy.script((m) => (m === "POST" ? { kind: "hang" } : { kind: "pass" }));
    const r = await call("create_workspace_integration", {
      integrationName: "kv-store",
      alias: "timed_out",
    });
    expect(r.isError).toBe(true);
    const t = text(r);
    expect(t).toMatch(/^Error TIMEOUT/);
    expect(t).toMatch(/NOT created/);
    expect(t).toMatch(/Next step: it is safe to call create_workspace_integration again/);
    expect(t).not.toMatch(/may or may not/);
    for (const f of ["/api/v1", "POST ", "GET "]) expect(t).not.toContain(f);
    expect((await stored()).integrations.map((i: any) => i.alias)).not.toContain("timed_out");
  });

  it("stops a hung call within the time budget and says the change may not be known", async () => {
    proxy.script(() => ({ kind: "hang" }));
    const t0 = performance.now();
    const r = await call("update_workspace_integration", {
      id: "00000000-0000-4000-8000-000000000001",
      sortOrder: 1,
    });
    const took = performance.now() - t0;
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/TIMEOUT[\s\S]*list_workspace_integrations/);
    // Stopped by the client's 2000 ms budget, after one attempt that the upstream saw cut off:
    // counted, not timed (a loaded machine stretches an upper bound; a hang would hit the
    // test's own timeout). The lower bound is deterministic.
    expect(text(r)).toMatch(/within 2000 ms \(1 attempt\(s\)\)/);
    expect(proxy.seen).toHaveLength(1);
    expect(await proxy.seen[0]?.clientClosed).toBe(true);
    expect(took).toBeGreaterThanOrEqual(1900);
  });

  it("aborts the upstream request when the MCP client cancels", async () => {
    // A budget far past the test's timeout: only the cancel can close the upstream socket.
    const patient = createWeavzClient({
      baseUrl: proxy.url,
      apiKey: local.apiKey,
      log: silentLogger,
      timeoutMs: 120_000,
    });
    const env = await connectMcp(patient, { defaultWorkspaceId: DEMO_WS });
    try {
      proxy.script(() => ({ kind: "hang" }));
      const ac = new AbortController();
      const pending = env.call("list_workspace_integrations", {}, { signal: ac.signal });
      while (proxy.seen.length === 0) await new Promise((r) => setTimeout(r, 10));
      ac.abort();
      await expect(pending).rejects.toThrow();
      // The client sends notifications/cancelled; the server aborts its undici request.
      expect(await proxy.seen[0]?.clientClosed).toBe(true);
      expect(proxy.seen).toHaveLength(1);
    } finally {
      await env.close();
    }
  });

  it("names the URL to check when the API cannot be reached", async () => {
    const dead = createWeavzClient({
      baseUrl: "http://127.0.0.1:9",
      apiKey: local.apiKey,
      log: silentLogger,
      timeoutMs: 1500,
      retryBaseMs: 10,
    });
    const env = await connectMcp(dead);
    try {
      const r = await env.call("list_workspaces");
      expect(r.isError).toBe(true);
      expect(textOf(r)).toMatch(/CONNECTION_FAILED[\s\S]*WEAVZ_BASE_URL/);
    } finally {
      await env.close();
    }
  });
});
