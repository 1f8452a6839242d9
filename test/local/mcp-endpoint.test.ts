import {
  Client as ModernClient,
  StreamableHTTPClientTransport as ModernTransport,
} from "@modelcontextprotocol/client";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import {
  type CallToolResult,
  ToolListChangedNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createWeavzClient } from "../../src/api/client.js";
import { Store } from "../../src/local/store/index.js";
import { silentLogger } from "../../src/log.js";
import { initializeRequest, MCP_ACCEPT } from "../helpers/jsonrpc.js";
import { useLocalApi } from "../helpers/local-api.js";
import { connectMcp } from "../helpers/mcp.js";

// Everything here is real: the local API on port 0, its SQLite file, the SDK clients of both
// protocol eras over HTTP, and our management MCP server. Nothing is mocked.

const env = useLocalApi({ demo: true });
const { call } = env;
let n = 0;

async function newWorkspace(): Promise<string> {
  n++;
  const r = await call("POST", "/api/v1/workspaces", { name: `EP ${n}`, slug: `ep-${n}` });
  expect(r.status, r.text).toBe(201);
  return r.body.workspace.id;
}

async function addIntegration(ws: string, body: Record<string, unknown>) {
  const r = await call("POST", `/api/v1/workspaces/${ws}/integrations`, body);
  expect(r.status, r.text).toBe(201);
  return r.body.integration;
}

async function newServer(ws: string, extra: Record<string, unknown> = {}) {
  const r = await call("POST", "/api/v1/mcp/servers", {
    name: "Agent",
    workspaceId: ws,
    authMode: "bearer",
    ...extra,
  });
  expect(r.status, r.text).toBe(201);
  return r.body as { server: { id: string }; bearerToken?: string; mcpEndpoint: string };
}

/** A workspace with kv-store under alias "kv" (workspace scope) and a bearer MCP server. */
async function fixture(extra: Record<string, unknown> = {}) {
  const ws = await newWorkspace();
  await addIntegration(ws, {
    integrationName: "kv-store",
    alias: "kv",
    settings: { persistence: { scope: "workspace" } },
  });
  const created = await newServer(ws, extra);
  return { ws, ...created, token: created.bearerToken as string };
}

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (closers.length)
    await closers
      .pop()?.()
      .catch(() => {});
});

/** A counter of tools/list_changed notifications with a way to wait for the next one. */
function listChangedCounter() {
  let count = 0;
  let waiters: Array<() => void> = [];
  return {
    hit() {
      count++;
      for (const w of waiters) w();
      waiters = [];
    },
    get count() {
      return count;
    },
    /**
     * Resolves once count exceeds `seen`. A wait for an event, not a timing: its deadline is
     * generous (under the test's own 30 s) so a loaded machine only makes it slower.
     */
    after(seen: number): Promise<void> {
      if (count > seen) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error("no tools/list_changed within 20 s")),
          20_000,
        );
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}

/** The widely deployed v1 SDK client (protocol 2025-11-25, sessions, GET stream). */
async function legacyClient(endpoint: string, token: string | undefined) {
  const client = new Client({ name: "endpoint-test", version: "1.0.0" });
  const changed = listChangedCounter();
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => changed.hit());
  // The client opens its GET stream on its own after initialize; its answer arriving is the
  // event that says the server has registered the stream (the SDK registers it before it
  // answers), so a change from then on has a place to be pushed to.
  let streamOpened = () => {};
  const streamOpen = new Promise<void>((resolve) => (streamOpened = resolve));
  const transport = new StreamableHTTPClientTransport(new URL(endpoint), {
    requestInit: token ? { headers: { authorization: `Bearer ${token}` } } : {},
    fetch: async (url, init) => {
      const res = await fetch(url, init);
      if (
        (init?.method ?? "GET") === "GET" &&
        res.ok &&
        res.headers.get("content-type")?.includes("text/event-stream")
      )
        streamOpened();
      return res;
    },
  });
  await client.connect(transport);
  closers.push(() => client.close());
  const callTool = async (name: string, args: Record<string, unknown>) =>
    (await client.callTool({ name, arguments: args })) as CallToolResult;
  return { client, changed, callTool, streamOpen };
}

/**
 * Waits until each v1 client's GET stream is open and the endpoints watch the change feed
 * (the server then has a place to push, and a baseline to compare with). Events, not sleeps.
 */
async function untilWatching(...clients: Array<{ streamOpen: Promise<void> }>): Promise<void> {
  await Promise.all(clients.map((c) => c.streamOpen));
  await vi.waitFor(() => expect(env.local.mcpEndpoints?.isWatching).toBe(true), {
    timeout: 20_000,
    interval: 10,
  });
}

const text = (r: CallToolResult) => (r.content[0] as { text: string }).text;

describe("MCP endpoints: authentication", () => {
  it("refuses a client without the token, with a wrong token, and a raw request without one", async () => {
    const f = await fixture();
    await expect(legacyClient(f.mcpEndpoint, undefined)).rejects.toThrow(/401|Unauthorized/i);
    await expect(
      legacyClient(f.mcpEndpoint, "mcp_wrongwrongwrongwrongwrongwrong12"),
    ).rejects.toThrow(/401|Unauthorized|invalid/i);
    const init = initializeRequest({ clientName: "x" });
    const headers = { accept: MCP_ACCEPT };
    const path = new URL(f.mcpEndpoint).pathname;
    const none = await call("POST", path, init, { key: null, headers });
    expect(none.status).toBe(401);
    expect(none.headers["www-authenticate"]).toBe('Bearer realm="weavz-local-mcp"');
    expect(none.body).toMatchObject({ code: "UNAUTHORIZED" });
    expect(none.body.error).toMatch(/Authorization: Bearer mcp_/);
    // The REST API key is not this server's token.
    const apiKey = await call("POST", path, init, { headers });
    expect(apiKey.status).toBe(401);
    expect(apiKey.headers["www-authenticate"]).toMatch(/error="invalid_token"/);
    // Nothing about the token leaks into the answer.
    expect(apiKey.text).not.toContain(env.local.apiKey);
  });

  it("explains that an oauth-only server cannot be reached locally", async () => {
    const ws = await newWorkspace();
    const s = await newServer(ws, { authMode: "oauth" });
    const r = await call(
      "POST",
      new URL(s.mcpEndpoint).pathname,
      { jsonrpc: "2.0", id: 1, method: "ping" },
      {
        key: null,
        headers: { accept: MCP_ACCEPT },
      },
    );
    expect(r.status).toBe(401);
    expect(r.body.error).toMatch(/authMode oauth.*bearer or oauth_and_bearer/);
    expect(r.headers["www-authenticate"]).toMatch(/error="invalid_token"/);
  });

  it("answers 404 for an unknown MCP server", async () => {
    const r = await call(
      "POST",
      "/api/v1/mcp/servers/00000000-0000-4000-8000-000000000000/mcp",
      {},
      {
        key: null,
      },
    );
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ code: "NOT_FOUND" });
  });

  it("a regenerated token shuts out the old one and ends its sessions", async () => {
    const f = await fixture();
    const c = await legacyClient(f.mcpEndpoint, f.token);
    await untilWatching(c);
    expect(env.local.mcpEndpoints?.sessionCount).toBeGreaterThan(0);
    const before = env.local.mcpEndpoints?.sessionCount ?? 0;
    const r = await call("PATCH", `/api/v1/mcp/servers/${f.server.id}`, {
      regenerateBearerToken: true,
    });
    expect(r.status, r.text).toBe(200);
    await expect(c.client.listTools()).rejects.toThrow();
    expect(env.local.mcpEndpoints?.sessionCount).toBe(before - 1);
    const fresh = await legacyClient(f.mcpEndpoint, r.body.bearerToken);
    expect((await fresh.client.listTools()).tools.length).toBeGreaterThan(0);
  });
});

describe("MCP endpoints: TOOLS mode over the v1 SDK client (2025-11-25)", () => {
  it("lists {alias}__{action} tools with input schemas from the catalog", async () => {
    const f = await fixture();
    const { client } = await legacyClient(f.mcpEndpoint, f.token);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual([
      "kv__put",
      "kv__get",
      "kv__delete",
      "kv__add_to_list",
      "kv__remove_from_list",
    ]);
    const put = tools.find((t) => t.name === "kv__put");
    expect(put?.inputSchema).toEqual({
      type: "object",
      properties: { key: { type: "string" }, value: { description: "Any JSON value." } },
      required: ["key", "value"],
    });
    expect(put?.annotations?.openWorldHint).toBe(false);
  });

  it("carries enums and optional fields, and only the enabled actions", async () => {
    const ws = await newWorkspace();
    await addIntegration(ws, {
      integrationName: "storage",
      alias: "files",
      enabledActions: ["read_file"],
      settings: { persistence: { scope: "workspace" } },
    });
    const s = await newServer(ws);
    const { client } = await legacyClient(s.mcpEndpoint, s.bearerToken);
    const { tools } = await client.listTools();
    expect(tools).toHaveLength(1);
    expect(tools[0]?.name).toBe("files__read_file");
    expect(tools[0]?.inputSchema).toEqual({
      type: "object",
      properties: {
        path: { type: "string" },
        outputEncoding: { type: "string", enum: ["utf8", "base64"] },
      },
      required: ["path"],
    });
  });

  it("runs kv-store tools: put then get round trip through the execution engine", async () => {
    const f = await fixture();
    const c = await legacyClient(f.mcpEndpoint, f.token);
    const value = { plan: "pro", seats: [1, 2, 3] };
    const put = await c.callTool("kv__put", { key: "customer:42", value });
    expect(put.isError, text(put)).toBeFalsy();
    const got = await c.callTool("kv__get", { key: "customer:42" });
    expect(got.isError, text(got)).toBeFalsy();
    expect(got.structuredContent).toEqual({ key: "customer:42", value, found: true });
    // The same data the REST route sees: one engine, one store, workspace scope.
    const rest = await call("POST", "/api/v1/actions/execute", {
      workspaceId: f.ws,
      integrationName: "kv-store",
      actionName: "get",
      integrationAlias: "kv",
      input: { key: "customer:42" },
    });
    expect(rest.status, rest.text).toBe(200);
    expect(rest.body.output.value).toEqual(value);
  });

  it("reports an execution failure as a tool error with its code", async () => {
    const f = await fixture();
    const c = await legacyClient(f.mcpEndpoint, f.token);
    const r = await c.callTool("kv__put", { value: 1 });
    expect(r.isError).toBe(true);
    // The tool's arguments are the action's input: named as such, no raw details, a next step.
    expect(text(r)).toBe(
      [
        "Error VALIDATION_ERROR: invalid arguments for kv__put:",
        "- key: is required (string).",
        "Next step: call kv__put again with the arguments above corrected (tools/list shows its input schema).",
      ].join("\n"),
    );
    const noValue = await c.callTool("kv__put", { key: "a" });
    expect(text(noValue)).toMatch(
      /^Error VALIDATION_ERROR: invalid arguments for kv__put:\n- value: is required \(any JSON value\)\.\nNext step: call kv__put again/,
    );
  });

  it("says what to change when an integration keeps data per end user", async () => {
    const ws = await newWorkspace();
    await addIntegration(ws, { integrationName: "kv-store", alias: "mine" });
    const s = await newServer(ws);
    const c = await legacyClient(s.mcpEndpoint, s.bearerToken);
    const r = await c.callTool("mine__get", { key: "a" });
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/^Error VALIDATION_ERROR: .*endUserId/);
    expect(text(r)).not.toContain("details:");
    expect(text(r)).toMatch(
      /\nNext step: .*settings\.persistence\.scope to workspace .*update_workspace_integration/,
    );
  });

  it("names the connection a third-party action would use, instead of pretending to run it", async () => {
    const ws = await newWorkspace();
    await addIntegration(ws, {
      integrationName: "slack",
      alias: "team_slack",
      connectionId: "c1d2e3f4-5678-90ab-cdef-1234567890ab",
      enabledActions: ["send_channel_message"],
    });
    const s = await newServer(ws);
    const c = await legacyClient(s.mcpEndpoint, s.bearerToken);
    const { tools } = await c.client.listTools();
    const input = Object.fromEntries(
      ((tools[0]?.inputSchema.required as string[]) ?? []).map((k) => [k, "x"]),
    );
    const r = await c.callTool("team_slack__send_channel_message", input);
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/^Error INTEGRATION_UNAVAILABLE: .*Slack Bot/);
    expect(text(r)).toMatch(/\nNext step: this action runs only on the hosted Weavz API/);
  });

  it("answers an unknown tool with a protocol error that says to list the tools again", async () => {
    const f = await fixture();
    const c = await legacyClient(f.mcpEndpoint, f.token);
    await expect(c.callTool("kv__launch_rocket", {})).rejects.toThrow(/Unknown tool.*tools\/list/);
  });

  it("sees tools/list_changed when an integration is added through the management MCP tools", async () => {
    const f = await fixture();
    const c = await legacyClient(f.mcpEndpoint, f.token);
    await untilWatching(c);
    const api = createWeavzClient({
      baseUrl: env.local.url,
      apiKey: env.local.apiKey,
      log: silentLogger,
    });
    const mgmt = await connectMcp(api);
    closers.push(() => mgmt.close());
    const seen = c.changed.count;
    const r = await mgmt.call("create_workspace_integration", {
      workspaceId: f.ws,
      integrationName: "kv-store",
      alias: "cache",
      settings: { persistence: { scope: "workspace" } },
    });
    expect(r.isError, mgmt.text(r)).toBeFalsy();
    await c.changed.after(seen);
    const names = (await c.client.listTools()).tools.map((t) => t.name);
    expect(names).toContain("cache__put");
    expect(names).toContain("kv__put");
  });

  it("sees tools/list_changed after a REST change, and after a write by another process", async () => {
    const f = await fixture();
    const c = await legacyClient(f.mcpEndpoint, f.token);
    await untilWatching(c);
    let seen = c.changed.count;
    const wi = await addIntegration(f.ws, {
      integrationName: "storage",
      alias: "files",
      settings: { persistence: { scope: "workspace" } },
    });
    await c.changed.after(seen);
    expect((await c.client.listTools()).tools.map((t) => t.name)).toContain("files__read_file");

    // Another connection to the same database file (what another process does): the local
    // API only learns of it through the change feed's data_version check.
    seen = c.changed.count;
    const other = new Store(env.local.dbPath);
    try {
      const rec = other.integrations.get(f.ws, wi.id);
      if (!rec) throw new Error("integration missing");
      other.integrations.update({
        ...rec,
        enabledActions: ["list_files"],
        updatedAt: new Date().toISOString(),
      });
    } finally {
      other.close();
    }
    await c.changed.after(seen);
    const names = (await c.client.listTools()).tools.map((t) => t.name);
    expect(names).toContain("files__list_files");
    expect(names).not.toContain("files__read_file");
  });

  it("does not notify a client of another workspace's changes", async () => {
    const a = await fixture();
    const b = await fixture();
    const ca = await legacyClient(a.mcpEndpoint, a.token);
    const cb = await legacyClient(b.mcpEndpoint, b.token);
    await untilWatching(ca, cb);
    const endpoints = env.local.mcpEndpoints;
    const passes = () => [a, b].map((x) => endpoints?.listChangedPasses(x.server.id));
    const [passesA, passesB] = passes();
    const seenA = ca.changed.count;
    const seenB = cb.changed.count;
    await addIntegration(b.ws, { integrationName: "code", alias: "js" });
    await cb.changed.after(seenB);
    // One synchronous pass over the servers tells each changed one's clients; b's client has
    // heard, so that pass is over: counted there, a's server was not told (no sleep needed).
    expect(passes()).toEqual([passesA, (passesB ?? 0) + 1]);
    // And end to end: a's client hears a change in its own workspace, once.
    await addIntegration(a.ws, { integrationName: "code", alias: "js" });
    await ca.changed.after(seenA);
    expect(ca.changed.count).toBe(seenA + 1);
    expect(passes()).toEqual([(passesA ?? 0) + 1, (passesB ?? 0) + 1]);
  });

  it("watches the change feed only while a client can be notified", async () => {
    const f = await fixture();
    const c = await legacyClient(f.mcpEndpoint, f.token);
    await untilWatching(c);
    expect(env.local.mcpEndpoints?.isWatching).toBe(true);
    await c.client.close();
    await vi.waitFor(() => expect(env.local.mcpEndpoints?.isWatching).toBe(false), {
      timeout: 20_000,
      interval: 10,
    });
    // No GET stream and no listen left: no data_version polling in the background.
    expect(env.local.mcpEndpoints?.isWatching).toBe(false);
    expect(env.local.changes.polling).toBe(false);
  });

  it("ends sessions when the MCP server is deleted", async () => {
    const f = await fixture();
    const c = await legacyClient(f.mcpEndpoint, f.token);
    await untilWatching(c);
    const r = await call("DELETE", `/api/v1/mcp/servers/${f.server.id}`);
    expect(r.status).toBe(200);
    await expect(c.client.listTools()).rejects.toThrow();
  });
});

describe("MCP endpoints: the v2 SDK client (2026-07-28)", () => {
  async function modernClient(endpoint: string, token: string) {
    const client = new ModernClient(
      { name: "endpoint-test-modern", version: "1.0.0" },
      { versionNegotiation: { mode: { pin: "2026-07-28" } } },
    );
    const changed = listChangedCounter();
    client.setNotificationHandler("notifications/tools/list_changed", () => changed.hit());
    await client.connect(
      new ModernTransport(new URL(endpoint), {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      }),
    );
    closers.push(() => client.close());
    return { client, changed };
  }

  it("lists the tools and receives list_changed on subscriptions/listen", async () => {
    const f = await fixture();
    const c = await modernClient(f.mcpEndpoint, f.token);
    expect((await c.client.listTools()).tools.map((t) => t.name)).toContain("kv__get");
    const sub = await c.client.listen({ toolsListChanged: true });
    expect(sub.honoredFilter).toEqual({ toolsListChanged: true });
    const seen = c.changed.count;
    await addIntegration(f.ws, { integrationName: "code", alias: "js" });
    await c.changed.after(seen);
    expect((await c.client.listTools()).tools.map((t) => t.name)).toContain("js__run_code");
    await sub.close();
  });

  it("runs a kv-store tool over the modern era too", async () => {
    const f = await fixture();
    const c = await modernClient(f.mcpEndpoint, f.token);
    const put = (await c.client.callTool({
      name: "kv__put",
      arguments: { key: "modern", value: [1, 2] },
    })) as CallToolResult;
    expect(put.isError, text(put)).toBeFalsy();
    const got = (await c.client.callTool({
      name: "kv__get",
      arguments: { key: "modern" },
    })) as CallToolResult;
    expect(got.structuredContent).toEqual({ key: "modern", value: [1, 2], found: true });
  });

  it("refuses a modern request without the token", async () => {
    const f = await fixture();
    await expect(
      modernClient(f.mcpEndpoint, "mcp_not_the_token_000000000000000"),
    ).rejects.toThrow();
  });
});

describe("MCP endpoints: CODE mode", () => {
  it("offers weavz_search, weavz_read_api and weavz_execute, naming the aliases", async () => {
    const f = await fixture({ mode: "CODE" });
    const c = await legacyClient(f.mcpEndpoint, f.token);
    const { tools } = await c.client.listTools();
    expect(tools.map((t) => t.name)).toEqual(["weavz_search", "weavz_read_api", "weavz_execute"]);
    expect(tools[2]?.description).toMatch(/Aliases in this workspace: kv\./);

    const search = await c.callTool("weavz_search", { query: "put" });
    expect(search.isError).toBeFalsy();
    const hits = JSON.parse(text(search));
    expect(hits.results[0]).toMatchObject({
      call: "await weavz.kv.put(input)",
      alias: "kv",
      action: "put",
      inputs: { key: "string, required" },
    });

    const read = await c.callTool("weavz_read_api", { alias: "kv", action: "get" });
    expect(JSON.parse(text(read)).inputSchema).toEqual({
      type: "object",
      properties: { key: { type: "string" } },
      required: ["key"],
    });
    const missing = await c.callTool("weavz_read_api", { alias: "slack" });
    expect(missing.isError).toBe(true);
    expect(text(missing)).toMatch(/No integration with alias "slack".*aliases: kv.*weavz_search/);
  });

  it("weavz_execute runs code, returns its value and console lines", async () => {
    const f = await fixture({ mode: "CODE" });
    const c = await legacyClient(f.mcpEndpoint, f.token);
    const r = await c.callTool("weavz_execute", {
      code: "console.log('hi', {a: 1}); const xs = [1, 2, 3]; return {sum: xs.reduce((a, b) => a + b, 0), hasRequire: typeof require !== 'undefined'};",
    });
    expect(r.isError, text(r)).toBeFalsy();
    expect(JSON.parse(text(r))).toEqual({
      result: { sum: 6, hasRequire: false },
      logs: ['hi {"a":1}'],
    });
  });

  it("weavz_execute calls actions: weavz.kv.put then weavz.kv.get", async () => {
    const f = await fixture({ mode: "CODE" });
    const c = await legacyClient(f.mcpEndpoint, f.token);
    const r = await c.callTool("weavz_execute", {
      code: `
        await weavz.kv.put({ key: "counter", value: 41 });
        const before = await weavz.kv.get({ key: "counter" });
        await weavz.kv.put({ key: "counter", value: before.value + 1 });
        const after = await weavz.kv.get({ key: "counter" });
        let failed;
        try { await weavz.kv.get({}); } catch (e) { failed = e.code; }
        return { before: before.value, after: after.value, failed };
      `,
    });
    expect(r.isError, text(r)).toBeFalsy();
    expect(JSON.parse(text(r)).result).toEqual({
      before: 41,
      after: 42,
      failed: "VALIDATION_ERROR",
    });
  });

  it("weavz_execute reports an action error the code did not catch, with its code", async () => {
    const f = await fixture({ mode: "CODE" });
    const c = await legacyClient(f.mcpEndpoint, f.token);
    const r = await c.callTool("weavz_execute", {
      code: "console.log('before'); await weavz.kv.put({ value: 1 });",
    });
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/^Error ACTION_FAILED: The code threw VALIDATION_ERROR: .*key/);
    expect(text(r)).toMatch(/\nNext step: .*weavz_execute again/);
    expect(text(r)).toContain('"before"');
  });

  it("weavz_execute reports an unknown alias with the ones that exist", async () => {
    const f = await fixture({ mode: "CODE" });
    const c = await legacyClient(f.mcpEndpoint, f.token);
    const r = await c.callTool("weavz_execute", {
      code: "try { await weavz.slack.send_message({}) } catch (e) { return {code: e.code, message: e.message} }",
    });
    expect(r.isError, text(r)).toBeFalsy();
    const { result } = JSON.parse(text(r));
    expect(result.code).toBe("ALIAS_NOT_FOUND");
    expect(result.message).toMatch(/aliases: kv/);
  });

  it("weavz_execute reaches nothing of the host through weavz, results or errors", async () => {
    const f = await fixture({ mode: "CODE" });
    const c = await legacyClient(f.mcpEndpoint, f.token);
    const r = await c.callTool("weavz_execute", {
      code: `
        await weavz.kv.put({ key: "k", value: { a: 1 } });
        const got = await weavz.kv.get({ key: "k" });
        const out = {};
        const tries = {
          fn: () => weavz.kv.get.constructor("return process")(),
          result: () => got.constructor.constructor("return process")(),
          evaled: () => eval("process"),
        };
        for (const [k, t] of Object.entries(tries)) { try { out[k] = typeof t(); } catch (e) { out[k] = e.name; } }
        try { await weavz.kv.get({}); } catch (err) {
          try { err.constructor.constructor("return process")(); } catch (e) { out.error = e.name; }
        }
        try { await import("fs"); } catch (e) { out.imported = e.message; }
        return out;
      `,
    });
    expect(r.isError, text(r)).toBeFalsy();
    expect(JSON.parse(text(r)).result).toEqual({
      fn: "EvalError",
      result: "EvalError",
      evaled: "EvalError",
      error: "EvalError",
      imported: 'modules are not available in the code sandbox (import of "fs")',
    });
  });

  it("weavz_execute stops code past its timeout and says so", async () => {
    const f = await fixture({ mode: "CODE" });
    const c = await legacyClient(f.mcpEndpoint, f.token);
    const started = Date.now();
    const r = await c.callTool("weavz_execute", {
      code: "console.log('start'); while (true) {}",
      timeoutSeconds: 1,
    });
    // The answer names the 1 s timeout that stopped it (a longer one would be named, or run
    // past the test's timeout): no upper bound on elapsed time needed.
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/^Error ACTION_FAILED: The code ran longer than its 1 s timeout/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(text(r)).toMatch(/"reason": "timeout"/);
  });

  it("tells CODE clients about new aliases too", async () => {
    const f = await fixture({ mode: "CODE" });
    const c = await legacyClient(f.mcpEndpoint, f.token);
    await untilWatching(c);
    const seen = c.changed.count;
    await addIntegration(f.ws, { integrationName: "code", alias: "js" });
    await c.changed.after(seen);
    const { tools } = await c.client.listTools();
    expect(tools[2]?.description).toMatch(/Aliases in this workspace: kv, js\./);
  });
});
