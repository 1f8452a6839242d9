// The existing end-to-end scenarios again, with the v2 SDK client speaking MCP 2026-07-28
// (stateless: no initialize, per-request _meta, subscriptions/listen) over stdio and HTTP,
// next to a 2025-era client on the same server. Everything is real: our server, the local
// API on port 0, and second processes on the same database.
import { join } from "node:path";
import {
  Client as ModernClient,
  StreamableHTTPClientTransport as ModernHttp,
} from "@modelcontextprotocol/client";
import { StdioClientTransport as ModernStdio } from "@modelcontextprotocol/client/stdio";
import { Client as LegacyClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport as LegacyStdio } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport as LegacyHttp } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWeavzClient } from "../../src/api/client.js";
import { silentLogger } from "../../src/log.js";
import { createServerFactory } from "../../src/mcp/server.js";
import type { HttpHandle } from "../../src/transports/http.js";
import { cliStdio, tempDir, useCliProcesses } from "../helpers/cli.js";
import { MCP_POST_HEADERS } from "../helpers/jsonrpc.js";
import { startTestLocalApi, type TestLocalApi } from "../helpers/local-api.js";
import { DEMO_WS, SLACK_BOT_CONN, serveOverHttp } from "../helpers/mcp.js";
import { resourceUpdates } from "../helpers/updates.js";

const MODERN = "2026-07-28";
const INTEGRATIONS = `weavz://workspaces/${DEMO_WS}/integrations`;
const MCP_TOOLS = `weavz://workspaces/${DEMO_WS}/mcp-tools`;

const modernClient = (name: string) =>
  new ModernClient({ name, version: "1" }, { versionNegotiation: { mode: { pin: MODERN } } });

/** resources/updated a 2026 client received, with each one's _meta (the subscription id). */
const modernUpdates = (client: ModernClient) => {
  const meta: unknown[] = [];
  const u = resourceUpdates({ timeoutMs: 10_000 });
  client.setNotificationHandler("notifications/resources/updated", (n) => {
    meta.push(n.params._meta);
    u.push(n.params.uri);
  });
  return { ...u, meta };
};
/** resources/updated a 2025 client received. */
const legacyUpdates = (client: LegacyClient) => {
  const u = resourceUpdates({ timeoutMs: 10_000 });
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => u.push(n.params.uri));
  return u;
};

/** A second weavz-mcp process on the same database (a 2025-era stdio client drives it). */
async function secondProcess(dbPath: string) {
  const other = new LegacyClient({ name: "second-process", version: "1" });
  await other.connect(
    new LegacyStdio(cliStdio({ WEAVZ_LOCAL_DB: dbPath, WEAVZ_LOG_LEVEL: "error" })),
  );
  return other;
}

describe("MCP 2026-07-28 over stdio (spawned process, v2 client)", () => {
  useCliProcesses();
  let dir: string;
  beforeAll(() => {
    dir = tempDir("weavz-modern-stdio-");
  });

  it("serves discover, tools, resources and string arguments without a handshake", async () => {
    const client = modernClient("modern-stdio");
    await client.connect(new ModernStdio(cliStdio({ WEAVZ_LOCAL_DB: join(dir, "a.db") }, "pipe")));
    try {
      expect(client.getProtocolEra()).toBe("modern");
      expect(client.getServerCapabilities()?.resources?.subscribe).toBe(true);
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toContain("create_workspace_integration");
      const r = await client.callTool({
        name: "create_workspace_integration",
        arguments: { workspaceId: DEMO_WS, integrationName: "slack", connectionId: SLACK_BOT_CONN },
      });
      expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
      expect((r.structuredContent as any).integration.alias).toBe("slack");
      // Bad arguments are a tool error with advice, not a protocol error.
      const bad = await client.callTool({ name: "list_workspaces", arguments: { limit: 500 } });
      expect(bad.isError).toBe(true);
      expect((bad.content[0] as { text: string }).text).toMatch(/limit/);
      const read = await client.readResource({ uri: INTEGRATIONS });
      const data = JSON.parse((read.contents[0] as { text: string }).text);
      expect(data.integrations.map((i: any) => i.alias)).toEqual(["slack"]);
      // Resource not found is -32602 in this protocol revision, with our advice.
      await expect(client.readResource({ uri: "weavz://nope" })).rejects.toMatchObject({
        code: -32602,
        message: expect.stringMatching(/Unknown resource weavz:\/\/nope/),
        data: { uri: "weavz://nope" },
      });
    } finally {
      await client.close();
    }
  });

  it("delivers a change made by another process to a subscriptions/listen stream", async () => {
    const db = join(dir, "b.db");
    const client = modernClient("modern-listener");
    await client.connect(new ModernStdio(cliStdio({ WEAVZ_LOCAL_DB: db }, "pipe")));
    const w = modernUpdates(client);
    const sub = await client.listen({ resourceSubscriptions: [MCP_TOOLS, INTEGRATIONS] });
    expect(sub.honoredFilter.resourceSubscriptions).toEqual([MCP_TOOLS, INTEGRATIONS]);
    const other = await secondProcess(db);
    try {
      const updated = w.next(INTEGRATIONS);
      const r = await other.callTool({
        name: "create_workspace_integration",
        arguments: { workspaceId: DEMO_WS, integrationName: "kv-store" },
      });
      expect(r.isError).toBeFalsy();
      await updated;
      // Each update is tagged with the listen request's id.
      expect(w.meta.at(-1)).toMatchObject({
        "io.modelcontextprotocol/subscriptionId": expect.anything(),
      });
    } finally {
      await sub.close();
      await other.close();
      await client.close();
    }
  });
});

describe("MCP 2026-07-28 and 2025-11-25 side by side over HTTP", () => {
  useCliProcesses();
  let local: TestLocalApi;
  let http: HttpHandle;
  let api: ReturnType<typeof createWeavzClient>;
  let factory: ReturnType<typeof createServerFactory>;
  beforeAll(async () => {
    local = await startTestLocalApi();
    api = createWeavzClient({ baseUrl: local.url, apiKey: local.apiKey, log: silentLogger });
    factory = createServerFactory({ api, log: silentLogger, defaultWorkspaceId: DEMO_WS });
    http = await serveOverHttp(factory);
  });
  afterAll(async () => {
    await http.close();
    await api.close();
    await local.close();
  });

  const connectModern = async (name: string) => {
    const client = modernClient(name);
    await client.connect(new ModernHttp(new URL(http.url)));
    return client;
  };

  it("serves tools and resources statelessly: no session is created", async () => {
    const before = http.sessionCount();
    const client = await connectModern("modern-http");
    try {
      expect(client.getProtocolEra()).toBe("modern");
      const r = await client.callTool({
        name: "create_workspace_integration",
        arguments: { integrationName: "kv-store" },
      });
      expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
      const l = await client.callTool({ name: "list_workspace_integrations", arguments: {} });
      expect((l.structuredContent as any).integrations.map((i: any) => i.alias)).toContain(
        "kv-store",
      );
      const { resources } = await client.listResources();
      expect(resources.map((x) => x.uri)).toContain(INTEGRATIONS);
      expect(http.sessionCount()).toBe(before);
    } finally {
      await client.close();
    }
  });

  it("answers raw 2026 requests: discover, string arguments, header mismatch, GET", async () => {
    const meta = {
      "io.modelcontextprotocol/protocolVersion": MODERN,
      "io.modelcontextprotocol/clientCapabilities": {},
    };
    const post = (body: Record<string, any>, headers: Record<string, string> = {}) =>
      request(http.url, {
        method: "POST",
        headers: {
          ...MCP_POST_HEADERS,
          "mcp-protocol-version": MODERN,
          "mcp-method": body.method,
          ...headers,
        },
        body: JSON.stringify(body),
      });
    const discover = await post({
      jsonrpc: "2.0",
      id: 1,
      method: "server/discover",
      params: { _meta: meta },
    });
    expect(discover.statusCode).toBe(200);
    const d = (await discover.body.json()) as any;
    expect(d.result.supportedVersions).toContain(MODERN);
    expect(d.result._meta["io.modelcontextprotocol/serverInfo"].name).toBe("weavz-mcp");

    const call = await post(
      {
        jsonrpc: "2.0",
        id: 2,
        method: "tools/call",
        params: { name: "list_workspaces", arguments: '{"limit": 5}', _meta: meta },
      },
      { "mcp-name": "list_workspaces" },
    );
    expect(call.statusCode).toBe(200);
    const c = (await call.body.json()) as any;
    expect(c.result.isError).toBeFalsy();
    expect(c.result.structuredContent.total).toBeGreaterThan(0);

    const mismatch = await post(
      { jsonrpc: "2.0", id: 3, method: "tools/list", params: { _meta: meta } },
      { "mcp-method": "prompts/list" },
    );
    expect(mismatch.statusCode).toBe(400);
    expect(((await mismatch.body.json()) as any).error.code).toBe(-32020);

    // The Host/Origin defence covers the 2026 path too.
    const foreign = await post(
      { jsonrpc: "2.0", id: 4, method: "tools/list", params: { _meta: meta } },
      { origin: "https://evil.example" },
    );
    expect(foreign.statusCode).toBe(403);
    await foreign.body.dump();
  });

  it("delivers one change from another process to a 2026 listener and a 2025 subscriber", async () => {
    const modern = await connectModern("modern-listener");
    const mw = modernUpdates(modern);
    const sub = await modern.listen({ resourceSubscriptions: [INTEGRATIONS] });
    expect(sub.honoredFilter.resourceSubscriptions).toEqual([INTEGRATIONS]);

    const legacy = new LegacyClient({ name: "legacy-subscriber", version: "1" });
    const legacyTransport = new LegacyHttp(new URL(http.url));
    await legacy.connect(legacyTransport);
    const lw = legacyUpdates(legacy);
    await legacy.subscribeResource({ uri: INTEGRATIONS });

    const other = await secondProcess(local.dbPath);
    try {
      const both = Promise.all([mw.next(INTEGRATIONS), lw.next(INTEGRATIONS)]);
      const r = await other.callTool({
        name: "create_workspace_integration",
        arguments: { workspaceId: DEMO_WS, integrationName: "slack", connectionId: SLACK_BOT_CONN },
      });
      expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
      await both;
      expect(mw.meta.at(-1)).toMatchObject({
        "io.modelcontextprotocol/subscriptionId": expect.anything(),
      });
    } finally {
      await other.close();
      await sub.close();
      await modern.close();
      await legacyTransport.terminateSession();
      await legacy.close();
    }
  });

  it("runs the change feed while a listener is open and stops it after", async () => {
    // Nobody else watches at this point: the feed is idle until the listen opens (once the
    // server has seen the previous test's streams and session end; the timeouts only bound
    // a failure).
    const wait = { timeout: 15_000 };
    await expect.poll(() => factory.hub.feedRunning, wait).toBe(false);
    const modern = await connectModern("modern-feed");
    const sub = await modern.listen({ resourceSubscriptions: [MCP_TOOLS] });
    try {
      await expect.poll(() => factory.hub.feedRunning, wait).toBe(true);
    } finally {
      await sub.close();
      await modern.close();
    }
    await expect.poll(() => factory.hub.feedRunning, wait).toBe(false);
  });
});
