// The stdio transport's direct tools/call path (StdioLineTransport.serveDirect and
// createServerFactory's directToolCall), driven with raw JSON-RPC lines over in-process
// streams so the test can see which path served each call. Everything behind the streams is
// real: the SDK's stdio entry, our server, the API client and the local API over HTTP (a
// fault proxy in front where an upstream must hang on cue).
import { PassThrough } from "node:stream";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createWeavzClient, type WeavzClient } from "../../src/api/client.js";
import { silentLogger } from "../../src/log.js";
import { createServerFactory, type DirectToolCall } from "../../src/mcp/server.js";
import { serveStdio } from "../../src/transports/stdio.js";
import { startFaultProxy } from "../helpers/fault-proxy.js";
import { initializeRequest } from "../helpers/jsonrpc.js";
import { startTestLocalApi, type TestLocalApi } from "../helpers/local-api.js";
import { DEMO_WS } from "../helpers/mcp.js";

type Msg = Record<string, any>;

/** One stdio connection over in-process streams, with a record of what went direct. */
function connect(api: WeavzClient, wrap?: (inner: DirectToolCall) => DirectToolCall) {
  const factory = createServerFactory({ api, log: silentLogger, defaultWorkspaceId: DEMO_WS });
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const direct: string[] = [];
  const inner: DirectToolCall = (params, signal) => {
    const answer = factory.directToolCall(params, signal);
    if (answer) direct.push((params as { name: string }).name);
    return answer;
  };
  const served = serveStdio(
    (ctx) => factory.newServer({ era: ctx.era, deliver: true }),
    factory.hub,
    wrap ? wrap(inner) : inner,
    { stdin, stdout },
  );
  const received: Msg[] = [];
  const waiting = new Map<unknown, (m: Msg) => void>();
  let buf = "";
  stdout.on("data", (d: Buffer) => {
    buf += d.toString("utf8");
    for (let nl = buf.indexOf("\n"); nl !== -1; nl = buf.indexOf("\n")) {
      const m = JSON.parse(buf.slice(0, nl)) as Msg;
      buf = buf.slice(nl + 1);
      received.push(m);
      if (m.id !== undefined && !m.method) waiting.get(m.id)?.(m);
    }
  });
  let nextId = 100;
  const write = (m: Msg) => stdin.write(`${JSON.stringify(m)}\n`);
  const reply = (id: unknown) =>
    new Promise<Msg>((resolve) => {
      const had = received.find((m) => m.id === id && !m.method);
      if (had) resolve(had);
      else waiting.set(id, resolve);
    });
  const request = (method: string, params: Msg = {}) => {
    const id = nextId++;
    write({ jsonrpc: "2.0", id, method, params });
    return { id, reply: reply(id) };
  };
  const open = async () => {
    write(initializeRequest());
    const init = await reply(1);
    write({ jsonrpc: "2.0", method: "notifications/initialized" });
    return init;
  };
  const close = async () => {
    stdin.end();
    await served;
    factory.hub.close();
  };
  return { write, reply, request, open, close, direct, received, served };
}

/** A result with what each call draws anew (fence marker, request id) made constant. */
const normalized = (result: unknown) =>
  JSON.parse(
    JSON.stringify(result)
      .replace(/data-[0-9a-f]{12}/g, "data-MARKER")
      .replace(
        /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?=\\n|"|$)/g,
        (id, at, all) =>
          /(?:Request id: |requestId":")$/.test(all.slice(Math.max(0, at - 20), at))
            ? "REQUEST-ID"
            : id,
      ),
  );

describe("tools/call served directly on a 2025 stdio connection", () => {
  let local: TestLocalApi;
  let api: WeavzClient;
  beforeAll(async () => {
    local = await startTestLocalApi({ demo: true });
    api = createWeavzClient({ baseUrl: local.url, apiKey: local.apiKey, log: silentLogger });
  });
  afterAll(async () => {
    await api.close();
    await local.close();
  });

  it("gives every call the same result the SDK path gives, and leaves session-bound calls to the SDK", async () => {
    const c = connect(api);
    await c.open();
    const calls: [string, Msg][] = [
      ["list_workspace_integrations", {}],
      ["list_workspace_integrations", { limit: 1, offset: 1 }],
      ["list_workspace_integrations", { workspaceId: "00000000-0000-4000-8000-000000000000" }],
      ["get_catalog_integration", { integrationName: "Slak" }],
      ["search_catalog", { query: "video call" }],
      ["create_workspace_integration", { integrationName: "nope-not-real", alias: "x" }],
      ["update_workspace_integration", { alias: "x" }],
      ["list_connections", { limit: "ten" }],
      ["no_such_tool", {}],
    ];
    for (const [name, args] of calls) {
      const plain = await c.request("tools/call", { name, arguments: args }).reply;
      // A progress token needs the SDK's notification path, so this one goes through the SDK.
      const viaSdk = await c.request("tools/call", {
        name,
        arguments: args,
        _meta: { progressToken: `p-${name}` },
      }).reply;
      expect(plain.error, name).toBeUndefined();
      expect(normalized(plain.result), name).toEqual(normalized(viaSdk.result));
    }
    // Unknown tools and progress tokens went to the SDK; the rest were served directly.
    expect(c.direct).toEqual(calls.slice(0, -1).map(([name]) => name));
    expect(c.received.some((m) => m.result?.isError === true)).toBe(true);

    // A tool that confirms through the session is the SDK's: the preview arrives all the same.
    const made = await c.request("tools/call", {
      name: "create_workspace_integration",
      arguments: { integrationName: "kv-store", alias: "kv_direct" },
    }).reply;
    expect(made.result.isError, JSON.stringify(made.result)).toBeFalsy();
    const del = await c.request("tools/call", {
      name: "delete_workspace_integration",
      arguments: { alias: "kv_direct" },
    }).reply;
    expect(del.result.structuredContent.confirm).toEqual(expect.any(String));
    expect(c.direct.at(-1)).toBe("create_workspace_integration");
    await c.close();
  });

  it("leaves calls before the initialize answer to the SDK, and never goes direct on a 2026 connection", async () => {
    const early = connect(api);
    // Written in one go: the call is read before initialize is answered.
    early.write(initializeRequest());
    const { reply } = early.request("tools/call", { name: "list_workspaces", arguments: {} });
    expect((await reply).result.isError).toBeFalsy();
    expect(early.direct).toEqual([]);
    const later = await early.request("tools/call", { name: "list_workspaces", arguments: {} })
      .reply;
    expect(later.result.isError).toBeFalsy();
    expect(early.direct).toEqual(["list_workspaces"]);
    await early.close();

    const modern = connect(api);
    const _meta = {
      "io.modelcontextprotocol/protocolVersion": "2026-07-28",
      "io.modelcontextprotocol/clientCapabilities": {},
    };
    for (let i = 0; i < 2; i++) {
      const r = await modern.request("tools/call", {
        name: "list_workspaces",
        arguments: {},
        _meta,
      }).reply;
      expect(r.result.isError).toBeFalsy();
    }
    expect(modern.direct).toEqual([]);
    await modern.close();
  });

  it("answers a call that fails inside with a JSON-RPC internal error and serves on", async () => {
    const c = connect(api, (inner) => (params, signal) => {
      if ((params as { name: string }).name === "list_workspaces") {
        return Promise.reject(new Error("boom at /secret/path"));
      }
      return inner(params, signal);
    });
    await c.open();
    const bad = await c.request("tools/call", { name: "list_workspaces", arguments: {} }).reply;
    expect(bad.error).toEqual({ code: -32603, message: "Internal error" });
    const good = await c.request("tools/call", { name: "list_connections", arguments: {} }).reply;
    expect(good.result.isError).toBeFalsy();
    await c.close();
  });
});

describe("cancelling and closing with direct calls in flight", () => {
  let local: TestLocalApi;
  let proxy: Awaited<ReturnType<typeof startFaultProxy>>;
  let api: WeavzClient;
  beforeAll(async () => {
    local = await startTestLocalApi({ demo: true });
    proxy = await startFaultProxy(local.url);
    api = createWeavzClient({ baseUrl: proxy.url, apiKey: local.apiKey, log: silentLogger });
  });
  afterEach(() => {
    proxy.seen.length = 0;
    proxy.script(() => ({ kind: "pass" }));
  });
  afterAll(async () => {
    await api.close();
    await proxy.close();
    await local.close();
  });

  const upstreamCalled = async () => {
    while (proxy.seen.length === 0) await new Promise((r) => setTimeout(r, 5));
    return proxy.seen[0] as (typeof proxy.seen)[number];
  };

  it("aborts the upstream request on notifications/cancelled and sends no answer", async () => {
    const c = connect(api);
    await c.open();
    proxy.script((_m, _u, i) => (i === 0 ? { kind: "hang" } : { kind: "pass" }));
    const hung = c.request("tools/call", { name: "list_workspace_integrations", arguments: {} });
    const seen = await upstreamCalled();
    c.write({
      jsonrpc: "2.0",
      method: "notifications/cancelled",
      params: { requestId: hung.id, reason: "user stopped it" },
    });
    expect(await seen.clientClosed).toBe(true);
    // The next call is answered; the cancelled one never is.
    const next = await c.request("tools/call", { name: "list_workspaces", arguments: {} }).reply;
    expect(next.result.isError).toBeFalsy();
    expect(c.direct).toEqual(["list_workspace_integrations", "list_workspaces"]);
    expect(c.received.filter((m) => m.id === hung.id)).toEqual([]);
    // Nothing is left waiting: closing stdin ends the connection at once, not after the grace.
    const t0 = performance.now();
    await c.close();
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  it("does not hold the connection open for a cancelled call the SDK served", async () => {
    const c = connect(api);
    await c.open();
    proxy.script(() => ({ kind: "hang" }));
    // A progress token sends the call through the SDK.
    const hung = c.request("tools/call", {
      name: "list_workspace_integrations",
      arguments: {},
      _meta: { progressToken: "p1" },
    });
    const seen = await upstreamCalled();
    c.write({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: hung.id } });
    expect(await seen.clientClosed).toBe(true);
    expect(c.direct).toEqual([]);
    // Before, the close waited out its 10 s grace for an answer that never comes.
    const t0 = performance.now();
    await c.close();
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(c.received.filter((m) => m.id === hung.id)).toEqual([]);
  });

  it("still answers a direct call in flight when stdin closes", async () => {
    let open!: () => void;
    const held = new Promise<void>((r) => {
      open = r;
    });
    // The call's answer is held back until the test lets it go, so stdin surely ends first.
    const c = connect(api, (inner) => (params, signal) => {
      const answer = inner(params, signal);
      return answer && held.then(() => answer);
    });
    await c.open();
    const slow = c.request("tools/call", { name: "list_workspace_integrations", arguments: {} });
    await upstreamCalled();
    let ended = false;
    const closed = c.close().then(() => {
      ended = true;
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(ended).toBe(false);
    open();
    const r = await slow.reply;
    expect(r.result.isError).toBeFalsy();
    expect(r.result.structuredContent.workspaceId).toBe(DEMO_WS);
    expect(c.direct).toEqual(["list_workspace_integrations"]);
    await closed;
  });
});
