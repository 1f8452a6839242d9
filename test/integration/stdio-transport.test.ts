// The stdio line transport with calls in flight: cancellation, and stdin closing while a call
// is still being served. Driven with raw JSON-RPC lines over in-process streams; everything
// behind them is real: the SDK's stdio entry, our server, the API client and the local API
// over HTTP (a fault proxy in front where an upstream must hang on cue).
import { once } from "node:events";
import { PassThrough } from "node:stream";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createWeavzClient, type WeavzClient } from "../../src/api/client.js";
import type { WeavzApi } from "../../src/api/types.js";
import { serveStdio } from "../../src/host/stdio.js";
import { silentLogger } from "../../src/log.js";
import { createServerFactory } from "../../src/mcp/server.js";
import { startFaultProxy } from "../helpers/fault-proxy.js";
import { initializeRequest } from "../helpers/jsonrpc.js";
import { startTestLocalApi, type TestLocalApi } from "../helpers/local-api.js";
import { DEMO_WS } from "../helpers/mcp.js";

type Msg = Record<string, any>;

/** One stdio connection over in-process streams. */
function connect(api: WeavzApi) {
  const factory = createServerFactory({ api, log: silentLogger, defaultWorkspaceId: DEMO_WS });
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const served = serveStdio((ctx) => factory.newServer({ era: ctx.era, deliver: true }), {
    onListen: factory.hub.listen,
    stdin,
    stdout,
  });
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
  return { write, reply, request, open, close, received, served, stdin };
}

describe("stdio: cancelling and closing with calls in flight", () => {
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

  it("aborts the upstream request on notifications/cancelled, sends no answer and serves on", async () => {
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
    expect(c.received.filter((m) => m.id === hung.id)).toEqual([]);
    // Nothing is left waiting: closing stdin ends the connection (no wait for the grace).
    await c.close();
    expect(c.received.filter((m) => m.id === hung.id)).toEqual([]);
  });

  it("still answers a call in flight when stdin closes", async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    // The upstream answer is held back until the test lets it go, so stdin surely ends first.
    const slowApi = new Proxy(api, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (prop !== "listWorkspaceIntegrations") return value;
        return async (...args: unknown[]) => {
          const answer = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          await held;
          return answer;
        };
      },
    });
    const c = connect(slowApi);
    await c.open();
    const slow = c.request("tools/call", { name: "list_workspace_integrations", arguments: {} });
    await upstreamCalled();
    let ended = false;
    // The transport's own "end" listener was added first, so once ours runs the server has
    // seen stdin end (with a call still pending) instead of a 100 ms guess at it.
    const stdinEnded = once(c.stdin, "end");
    const closed = c.close().then(() => {
      ended = true;
    });
    await stdinEnded;
    await new Promise((r) => setImmediate(r));
    expect(ended).toBe(false);
    release();
    const r = await slow.reply;
    expect(r.result.isError).toBeFalsy();
    expect(r.result.structuredContent.workspaceId).toBe(DEMO_WS);
    await closed;
  });

  it("decodes arguments sent as a JSON string and answers undecodable ones as a tool error", async () => {
    const c = connect(api);
    await c.open();
    const good = await c.request("tools/call", {
      name: "list_workspaces",
      arguments: '{"limit": 2}',
    }).reply;
    expect(good.result.isError).toBeFalsy();
    const bad = await c.request("tools/call", { name: "list_workspaces", arguments: "[1]" }).reply;
    expect(bad.result.isError).toBe(true);
    expect(bad.result.content[0].text).toMatch(/must be a JSON object of named arguments/);
    await c.close();
  });
});
