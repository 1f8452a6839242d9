import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt } from "../helpers/build.js";
import { cliStdio } from "../helpers/cli.js";
import {
  connectMcp,
  DEMO_WS,
  SLACK_BOT_CONN,
  settled,
  setup,
  watchUpdates,
} from "../helpers/mcp.js";

type Env = Awaited<ReturnType<typeof setup>>;
const INTEGRATIONS = `weavz://workspaces/${DEMO_WS}/integrations`;
const MCP_TOOLS = `weavz://workspaces/${DEMO_WS}/mcp-tools`;

async function readJson(env: Env, uri: string): Promise<any> {
  const r = await env.client.readResource({ uri });
  return JSON.parse((r.contents[0] as { text: string }).text);
}

describe("resources", () => {
  let env: Env;
  beforeAll(async () => {
    env = await setup();
  });
  afterAll(async () => {
    await env.close();
  });

  it("lists the workspaces resource, each workspace's URIs and the two templates", async () => {
    const { resources } = await env.client.listResources();
    const uris = resources.map((r) => r.uri);
    expect(uris).toEqual(expect.arrayContaining(["weavz://workspaces", INTEGRATIONS, MCP_TOOLS]));
    const { resourceTemplates } = await env.client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate).sort()).toEqual([
      "weavz://workspaces/{workspaceId}/history",
      "weavz://workspaces/{workspaceId}/integrations",
      "weavz://workspaces/{workspaceId}/mcp-tools",
    ]);
  });

  it("reads workspaces and a workspace's integrations as JSON", async () => {
    const ws = await readJson(env, "weavz://workspaces");
    expect(ws.workspaces.map((w: any) => w.id)).toContain(DEMO_WS);
    const ints = await readJson(env, INTEGRATIONS);
    expect(ints).toMatchObject({ workspaceId: DEMO_WS, integrations: [], total: 0 });
  });

  it("rejects an unknown URI and an unknown workspace clearly", async () => {
    await expect(env.client.readResource({ uri: "weavz://elsewhere" })).rejects.toThrow(
      /Unknown resource weavz:\/\/elsewhere/,
    );
    await expect(
      env.client.readResource({ uri: "weavz://workspaces/nope/integrations" }),
    ).rejects.toThrow(/NOT_FOUND/);
  });

  it("completes workspaceId in the templates", async () => {
    const r = await env.client.complete({
      ref: { type: "ref/resource", uri: "weavz://workspaces/{workspaceId}/integrations" },
      argument: { name: "workspaceId", value: "a1b2" },
    });
    expect(r.completion.values).toEqual([DEMO_WS]);
    const none = await env.client.complete({
      ref: { type: "ref/resource", uri: "weavz://workspaces/{workspaceId}/integrations" },
      argument: { name: "workspaceId", value: "zzz" },
    });
    expect(none.completion.values).toEqual([]);
  });

  it("refuses to subscribe to a workspace that does not exist", async () => {
    await expect(
      env.client.subscribeResource({ uri: "weavz://workspaces/nope/mcp-tools" }),
    ).rejects.toThrow(/NOT_FOUND[\s\S]*list_workspaces/);
    expect(env.hub.feedRunning).toBe(false);
  });

  it("runs the change feed only while somebody is subscribed", async () => {
    const { hub } = env;
    expect(hub.feedRunning).toBe(false);
    await env.client.subscribeResource({ uri: INTEGRATIONS });
    expect(hub.feedRunning).toBe(true);
    await env.client.unsubscribeResource({ uri: INTEGRATIONS });
    expect(hub.feedRunning).toBe(false);
  });
});

describe("subscriptions and auto-synced MCP server tools", () => {
  let env: Env;
  let w: ReturnType<typeof watchUpdates>;
  let serverId: string;
  const rest = (method: "GET" | "POST" | "PATCH" | "DELETE", path: string, body?: unknown) =>
    request(`${env.local.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${env.local.apiKey}`, "content-type": "application/json" },
      body: body === undefined ? null : JSON.stringify(body),
    }).then(async (r) => ({ status: r.statusCode, body: (await r.body.json()) as any }));

  beforeAll(async () => {
    env = await setup();
    w = watchUpdates(env.client);
    const created = await rest("POST", "/mcp/servers", { name: "Ops agent", workspaceId: DEMO_WS });
    expect(created.status).toBe(201);
    serverId = created.body.server.id;
    await env.client.subscribeResource({ uri: MCP_TOOLS });
    await env.client.subscribeResource({ uri: INTEGRATIONS });
  });
  afterAll(async () => {
    await env.close();
  });

  const toolNames = async () =>
    (await readJson(env, MCP_TOOLS)).servers[0].tools.map((t: any) => t.name);

  it("notifies after a create through the tool and shows one tool per action", async () => {
    const updated = w.next(MCP_TOOLS);
    const ints = w.next(INTEGRATIONS);
    const r = await env.call("create_workspace_integration", {
      workspaceId: DEMO_WS,
      integrationName: "slack",
      alias: "team_slack",
      connectionId: SLACK_BOT_CONN,
      enabledActions: ["send_channel_message", "list_channels"],
    });
    expect(r.isError, env.text(r)).toBeFalsy();
    await Promise.all([updated, ints]);
    expect(await toolNames()).toEqual([
      "team_slack__send_channel_message",
      "team_slack__list_channels",
    ]);
  });

  it("follows an enabledActions change", async () => {
    const updated = w.next(MCP_TOOLS);
    await env.call("update_workspace_integration", {
      workspaceId: DEMO_WS,
      alias: "team_slack",
      enabledActions: ["list_users"],
    });
    await updated;
    expect(await toolNames()).toEqual(["team_slack__list_users"]);
  });

  it("follows an alias rename", async () => {
    const updated = w.next(MCP_TOOLS);
    await env.call("update_workspace_integration", {
      workspaceId: DEMO_WS,
      alias: "team_slack",
      newAlias: "ops_slack",
    });
    await updated;
    expect(await toolNames()).toEqual(["ops_slack__list_users"]);
  });

  it("shows the same tools through get_mcp_server and list_mcp_servers", async () => {
    const list = await env.call("list_mcp_servers", { workspaceId: DEMO_WS });
    // The demo data's own MCP server is there too.
    expect(list.structuredContent?.servers.map((s: any) => s.id)).toContain(serverId);
    const one = await env.call("get_mcp_server", { id: serverId });
    expect(one.isError, env.text(one)).toBeFalsy();
    expect(one.structuredContent?.tools.map((t: any) => t.name)).toEqual(["ops_slack__list_users"]);
    expect(one.structuredContent?.tools[0]).toMatchObject({
      integrationName: "slack",
      integrationAlias: "ops_slack",
      actionName: "list_users",
      toolType: "ACTION",
    });
  });

  it("notices a change made by direct HTTP to the local API", async () => {
    const list = await rest("GET", `/workspaces/${DEMO_WS}/integrations`);
    const id = list.body.integrations[0].id;
    const updated = w.next(MCP_TOOLS);
    const patched = await rest("PATCH", `/workspaces/${DEMO_WS}/integrations/${id}`, {
      enabledActions: ["list_channels", "list_users"],
    });
    expect(patched.status).toBe(200);
    await updated;
    expect(await toolNames()).toEqual(["ops_slack__list_channels", "ops_slack__list_users"]);
  });

  it("notices a change made by a second MCP server process on the same database", async () => {
    ensureBuilt();
    const other = new Client({ name: "second-process", version: "1" });
    await other.connect(
      new StdioClientTransport(
        cliStdio({ WEAVZ_LOCAL_DB: env.local.dbPath, WEAVZ_LOG_LEVEL: "error" }),
      ),
    );
    try {
      const updated = w.next(MCP_TOOLS);
      const r = await other.callTool({
        name: "create_workspace_integration",
        arguments: { workspaceId: DEMO_WS, integrationName: "kv-store" },
      });
      expect(r.isError).toBeFalsy();
      await updated;
      expect(await toolNames()).toEqual(expect.arrayContaining(["kv-store__put", "kv-store__get"]));
    } finally {
      await other.close();
    }
  });

  it("refuses per_user while a static-bearer MCP server exists, and says both ways out", async () => {
    // Each step that changes what mcp-tools shows is awaited, so later tests see a quiet feed.
    let settled = w.next(MCP_TOOLS);
    const bearer = await rest("POST", "/mcp/servers", {
      name: "Shared bot",
      workspaceId: DEMO_WS,
      authMode: "bearer",
    });
    expect(bearer.status).toBe(201);
    await settled;
    expect(bearer.body.bearerToken).toMatch(/^mcp_/);
    const r = await env.call("create_workspace_integration", {
      workspaceId: DEMO_WS,
      integrationName: "gmail",
      connectionStrategy: "per_user",
    });
    expect(r.isError).toBe(true);
    expect(env.text(r)).toMatch(/MCP_BEARER_BLOCKS_PER_USER[\s\S]*HTTP 409/);
    expect(env.text(r)).toMatch(/per_user_with_fallback[\s\S]*static-bearer MCP server to OAuth/);
    const u = await env.call("update_workspace_integration", {
      workspaceId: DEMO_WS,
      alias: "ops_slack",
      connectionStrategy: "per_user",
    });
    expect(env.text(u)).toMatch(/MCP_BEARER_BLOCKS_PER_USER/);
    // per_user_with_fallback stays allowed.
    settled = w.next(INTEGRATIONS);
    const ok = await env.call("update_workspace_integration", {
      workspaceId: DEMO_WS,
      alias: "ops_slack",
      connectionStrategy: "per_user_with_fallback",
    });
    expect(ok.isError, env.text(ok)).toBeFalsy();
    await settled;
    settled = w.next(MCP_TOOLS);
    const del = await rest("DELETE", `/mcp/servers/${bearer.body.server.id}`);
    expect(del.status).toBe(200);
    await settled;
  });

  it("drops the tools when the integration is deleted", async () => {
    const updated = w.next(MCP_TOOLS);
    const r = await env.callConfirmed("delete_workspace_integration", {
      workspaceId: DEMO_WS,
      alias: "ops_slack",
    });
    expect(r.isError, env.text(r)).toBeFalsy();
    await updated;
    const names: string[] = await toolNames();
    expect(names.some((n) => n.startsWith("ops_slack__"))).toBe(false);
  });

  it("does not notify when nothing a subscriber sees has changed", async () => {
    const before = w.seen.length;
    const refreshes = env.hub.stats.refreshes;
    // A change in another workspace leaves this one's resources as they were.
    const ws = await rest("POST", "/workspaces", { name: "Other", slug: "other" });
    expect(ws.status).toBe(201);
    const r = await env.call("create_workspace_integration", {
      workspaceId: ws.body.workspace.id,
      integrationName: "kv-store",
    });
    expect(r.isError, env.text(r)).toBeFalsy();
    // Settled by the hub having re-read after both writes, not by a sleep.
    await settled(env);
    expect(env.hub.stats.refreshes).toBeGreaterThan(refreshes);
    expect(w.seen.slice(before)).toEqual([]);
  });
});

describe("change feed against an API without a change counter (as the hosted API)", () => {
  // The backoff's timing (pollMinMs doubling to pollMaxMs, back after a change, no timer
  // while nobody watches) is shown under fake timers in src/mcp/resources/hub.test.ts; here,
  // end to end, that the hub falls back to re-reading and only while somebody is subscribed.
  it("polls only while subscribed, and notices outside changes by re-reading", async () => {
    const { startTestLocalApi } = await import("../helpers/local-api.js");
    const { startFaultProxy } = await import("../helpers/fault-proxy.js");
    const { createWeavzClient } = await import("../../src/api/client.js");
    const { silentLogger } = await import("../../src/log.js");
    const local = await startTestLocalApi();
    // The proxy answers /changes with 404, as the hosted API does; the rest is the real API.
    const proxy = await startFaultProxy(local.url);
    proxy.script((_m, url) =>
      url.startsWith("/api/v1/changes")
        ? { kind: "status", status: 404, body: { error: "Not found", code: "NOT_FOUND" } }
        : { kind: "pass" },
    );
    const api = createWeavzClient({ baseUrl: proxy.url, apiKey: local.apiKey, log: silentLogger });
    const mcp = await connectMcp(api, { hub: { pollMinMs: 150, pollMaxMs: 600 } });
    const { client, hub } = mcp;
    const w = watchUpdates(client);
    try {
      // Nobody subscribed: no feed, and nothing has reached the API.
      expect(hub.feedRunning).toBe(false);
      expect(proxy.seen).toEqual([]);

      await client.subscribeResource({ uri: INTEGRATIONS });
      expect(hub.feedRunning).toBe(true);
      const updated = w.next(INTEGRATIONS);
      const r = await request(`${local.url}/api/v1/workspaces/${DEMO_WS}/integrations`, {
        method: "POST",
        headers: { authorization: `Bearer ${local.apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({ integrationName: "kv-store" }),
      });
      expect(r.statusCode).toBe(201);
      await r.body.dump();
      await updated;
      // Noticed by re-reading: the counter was asked once, answered 404, and never again.
      expect(proxy.seen.filter((s) => s.url.startsWith("/api/v1/changes"))).toHaveLength(1);
      expect(hub.stats.caughtUp).toBeUndefined();
      expect(hub.stats.refreshes).toBeGreaterThan(0);

      await client.unsubscribeResource({ uri: INTEGRATIONS });
      expect(hub.feedRunning).toBe(false);
    } finally {
      await mcp.close();
      await proxy.close();
      await local.close();
    }
  });

  it("tells clients when the set of resources changes (a new workspace)", async () => {
    const env = await setup();
    try {
      const { ResourceListChangedNotificationSchema } = await import(
        "@modelcontextprotocol/sdk/types.js"
      );
      let changed = 0;
      let first = () => {};
      const arrived = new Promise<void>((resolve) => {
        first = resolve;
      });
      env.client.setNotificationHandler(ResourceListChangedNotificationSchema, () => {
        changed++;
        first();
      });
      await env.client.subscribeResource({ uri: INTEGRATIONS });
      // The feed records the current workspace list as it starts: idle() waits for that read.
      await env.hub.idle();
      const r = await request(`${env.local.url}/api/v1/workspaces`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${env.local.apiKey}`,
          "content-type": "application/json",
        },
        body: JSON.stringify({ name: "New team", slug: "new-team" }),
      });
      expect(r.statusCode).toBe(201);
      await r.body.dump();
      await arrived;
      await settled(env);
      expect(changed).toBe(1);
      const { resources } = await env.client.listResources();
      expect(resources.some((x) => x.name === "new-team-integrations")).toBe(true);
    } finally {
      await env.close();
    }
  });
});
