/**
 * Prompts and completions (issue 9 #5, #6): the audit's fact-finding as a pure function, then
 * prompts/list, prompts/get and completion/complete through the SDK clients (2025 in memory,
 * 2026 over HTTP) against our real server and the real local API.
 */
import { StreamableHTTPClientTransport as ModernHttp } from "@modelcontextprotocol/client";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WorkspaceIntegrationListItem } from "../../src/domain/integration.js";
import { silentLogger } from "../../src/log.js";
import { type AuditFacts, auditWorkspace, isGenericAlias } from "../../src/mcp/prompts/audit.js";
import { createServerFactory } from "../../src/mcp/server.js";
import { DEFAULT_TOOLSETS } from "../../src/toolsets.js";
import {
  connectMcp,
  DEMO_WS,
  modernClient,
  SLACK_BOT_CONN,
  serveOverHttp,
  setup,
} from "../helpers/mcp.js";

const item = (over: Partial<WorkspaceIntegrationListItem>): WorkspaceIntegrationListItem => ({
  id: `wi_${over.alias}`,
  workspaceId: "ws",
  orgId: "org",
  integrationName: "slack",
  alias: "slack",
  displayName: null,
  connectionStrategy: "fixed",
  connectionId: "conn_1",
  connectionStatus: "ACTIVE",
  enabledActions: null,
  sortOrder: 0,
  createdAt: "2025-01-01T00:00:00.000Z",
  updatedAt: "2025-01-01T00:00:00.000Z",
  ...over,
});

/** The text of a prompt's first message. */
const promptText = (r: { messages: Array<{ content: unknown }> }) =>
  (r.messages[0]?.content as { text?: string } | undefined)?.text ?? "";

const facts = (over: Partial<AuditFacts>): AuditFacts => ({
  workspaceId: "ws",
  integrations: [],
  endUserCount: 3,
  catalogActions: { slack: ["send_message", "list_channels"], gmail: ["send_email"] },
  bearerServers: [],
  ...over,
});

describe("audit_workspace fact-finding (pure)", () => {
  it("finds nothing in a healthy workspace", () => {
    expect(
      auditWorkspace(
        facts({
          integrations: [
            item({ alias: "slack_alerts" }),
            item({ alias: "slack_dms", connectionStrategy: "per_user", connectionId: null }),
            item({ alias: "gmail", integrationName: "gmail", enabledActions: ["send_email"] }),
          ],
        }),
      ),
    ).toEqual([]);
  });

  it("flags a pinned connection that is not ACTIVE, for fixed and fallback strategies", () => {
    const found = auditWorkspace(
      facts({
        integrations: [
          item({ alias: "bot", connectionStatus: "ERROR" }),
          item({
            alias: "fb",
            connectionStrategy: "per_user_with_fallback",
            connectionStatus: null,
          }),
          item({ alias: "mine", connectionStrategy: "per_user", connectionId: null }),
        ],
      }),
    );
    expect(found).toEqual([
      expect.objectContaining({
        kind: "pinned_connection_not_active",
        alias: "bot",
        connectionStatus: "ERROR",
      }),
      expect.objectContaining({
        kind: "pinned_connection_not_active",
        alias: "fb",
        connectionStatus: null,
      }),
    ]);
  });

  it("flags per_user integrations only when the workspace has no end users", () => {
    const integrations = [
      item({ alias: "dms", connectionStrategy: "per_user", connectionId: null }),
    ];
    expect(auditWorkspace(facts({ integrations, endUserCount: 0 }))).toEqual([
      { kind: "per_user_without_end_users", aliases: ["dms"] },
    ]);
    expect(auditWorkspace(facts({ integrations, endUserCount: 1 }))).toEqual([]);
    // Unknown (an API without end users) is not reported as zero.
    expect(auditWorkspace(facts({ integrations, endUserCount: undefined }))).toEqual([]);
  });

  it("flags the same integration twice without telling aliases", () => {
    expect(isGenericAlias("slack_2", "slack")).toBe(true);
    expect(isGenericAlias("Slack-copy", "slack")).toBe(true);
    expect(isGenericAlias("slack_alerts", "slack")).toBe(false);
    expect(isGenericAlias("kv_store", "kv-store")).toBe(true);
    const twice = auditWorkspace(
      facts({ integrations: [item({ alias: "slack" }), item({ alias: "slack_2" })] }),
    );
    expect(twice).toEqual([
      {
        kind: "duplicate_without_meaningful_aliases",
        integrationName: "slack",
        aliases: ["slack", "slack_2"],
      },
    ]);
    // One plain alias beside a telling one is fine.
    expect(
      auditWorkspace(
        facts({ integrations: [item({ alias: "slack" }), item({ alias: "slack_alerts" })] }),
      ),
    ).toEqual([]);
  });

  it("flags enabledActions the catalog no longer has, and integrations it no longer has", () => {
    const found = auditWorkspace(
      facts({
        integrations: [
          item({ alias: "s", enabledActions: ["send_message", "post_legacy"] }),
          item({ alias: "old", integrationName: "retired-thing" }),
        ],
        catalogActions: { slack: ["send_message"], "retired-thing": null },
      }),
    );
    expect(found).toEqual([
      { kind: "integration_not_in_catalog", alias: "old", integrationName: "retired-thing" },
      {
        kind: "unknown_enabled_actions",
        alias: "s",
        integrationName: "slack",
        actions: ["post_legacy"],
      },
    ]);
  });

  it("flags a static-bearer MCP server beside strict per_user integrations", () => {
    const servers = [{ id: "srv_1", name: "Shared" }];
    const perUser = item({ alias: "dms", connectionStrategy: "per_user", connectionId: null });
    expect(auditWorkspace(facts({ integrations: [perUser], bearerServers: servers }))).toEqual([
      { kind: "static_bearer_conflict", servers, perUserAliases: ["dms"] },
    ]);
    const fallback = item({ alias: "dms", connectionStrategy: "per_user_with_fallback" });
    expect(auditWorkspace(facts({ integrations: [fallback], bearerServers: servers }))).toEqual([]);
  });
});

describe("prompts and completions through the 2025 SDK client", () => {
  let env: Awaited<ReturnType<typeof setup>>;
  const rest = (method: "POST", path: string, body: unknown) =>
    request(`${env.local.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${env.local.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    }).then(async (r) => ({ status: r.statusCode, body: (await r.body.json()) as any }));
  let emptyWs: string;

  beforeAll(async () => {
    env = await setup();
    await env.api.createWorkspaceIntegration(DEMO_WS, {
      integrationName: "slack",
      alias: "slack",
      connectionStrategy: "fixed",
      connectionId: SLACK_BOT_CONN,
    });
    await env.api.createWorkspaceIntegration(DEMO_WS, {
      integrationName: "slack",
      alias: "slack_2",
      connectionStrategy: "per_user",
    });
    const ws = await rest("POST", "/workspaces", { name: "No users", slug: "no-users" });
    expect(ws.status).toBe(201);
    emptyWs = ws.body.workspace.id;
    await env.api.createWorkspaceIntegration(emptyWs, {
      integrationName: "gmail",
      alias: "gmail_dms",
      connectionStrategy: "per_user",
    });
  });
  afterAll(async () => {
    await env.close();
  });

  it("lists every prompt with descriptions and argument descriptions", async () => {
    const { prompts } = await env.client.listPrompts();
    expect(prompts.map((p) => p.name)).toEqual([
      "setup_workspace_integration",
      "audit_workspace",
      "describe_workspace_setup",
      "review_recent_changes",
    ]);
    for (const p of prompts) {
      expect(p.description?.length, p.name).toBeGreaterThan(40);
      for (const a of p.arguments ?? [])
        expect(a.description?.length, `${p.name}.${a.name}`).toBeGreaterThan(10);
    }
    const all = (await env.client.listPrompts()).prompts.flatMap((p) => [
      p.description,
      ...(p.arguments ?? []).map((a) => a.description),
    ]);
    expect(all.join(" ")).not.toMatch(/\/api\/v1|GET |POST |PATCH /);
  });

  it("filters prompts by toolset and read-only mode, like tools", async () => {
    const def = await connectMcp(env.api, { toolsets: DEFAULT_TOOLSETS });
    expect((await def.client.listPrompts()).prompts.map((p) => p.name)).toEqual([
      "setup_workspace_integration",
      "audit_workspace",
      "review_recent_changes",
    ]);
    await def.client.close();
    const ro = createServerFactory({ api: env.api, log: silentLogger, readOnly: true });
    const { Client } = await import("@modelcontextprotocol/sdk/client/index.js");
    const { InMemoryTransport } = await import("@modelcontextprotocol/sdk/inMemory.js");
    const c = new Client({ name: "ro", version: "1" });
    const [a, b] = InMemoryTransport.createLinkedPair();
    await Promise.all([ro.newServer().connect(b), c.connect(a)]);
    expect((await c.listPrompts()).prompts.map((p) => p.name)).toEqual([
      "audit_workspace",
      "review_recent_changes",
    ]);
    await c.close();
  });

  it("audit_workspace reports duplicates with generic aliases and per_user without end users", async () => {
    const demo = await env.client.getPrompt({
      name: "audit_workspace",
      arguments: { workspaceId: DEMO_WS },
    });
    const text = promptText(demo);
    expect(text).toMatch(/found 1 problem/);
    expect(text).toContain('"kind":"duplicate_without_meaningful_aliases"');
    expect(text).toMatch(/update_workspace_integration/);
    expect(text).not.toMatch(/\/api\/v1/);
    const empty = await env.client.getPrompt({
      name: "audit_workspace",
      arguments: { workspaceId: emptyWs },
    });
    const t2 = promptText(empty);
    expect(t2).toContain('"kind":"per_user_without_end_users"');
    expect(t2).toContain("gmail_dms");
  });

  it("setup_workspace_integration carries the catalog facts and the steps; a wrong name is a clear error", async () => {
    const r = await env.client.getPrompt({
      name: "setup_workspace_integration",
      arguments: { integrationName: "slack", workspaceId: DEMO_WS },
    });
    const text = promptText(r);
    expect(text).toMatch(/create_workspace_integration/);
    expect(text).toContain(SLACK_BOT_CONN);
    expect(text).toMatch(/"alreadyConfigured":\[\{"alias":"slack"/);
    await expect(
      env.client.getPrompt({
        name: "setup_workspace_integration",
        arguments: { integrationName: "slak", workspaceId: DEMO_WS },
      }),
    ).rejects.toThrow(/search_catalog|get_catalog_integration/);
    await expect(
      env.client.getPrompt({ name: "setup_workspace_integration", arguments: {} }),
    ).rejects.toThrow(/needs integrationName/);
    await expect(env.client.getPrompt({ name: "nope" })).rejects.toThrow(/Unknown prompt "nope"/);
  });

  it("describe_workspace_setup points to plan_workspace and apply_workspace_plan", async () => {
    const r = await env.client.getPrompt({
      name: "describe_workspace_setup",
      arguments: {
        workspaceId: DEMO_WS,
        request: "Slack bot for alerts, Gmail per user, nothing else",
      },
    });
    const text = promptText(r);
    expect(text).toMatch(/plan_workspace[\s\S]*apply_workspace_plan/);
    expect(text).toMatch(/prune: true/);
    expect(text).toContain("Gmail per user");
  });

  const complete = (ref: any, name: string, value: string, context?: Record<string, string>) =>
    env.client
      .complete({
        ref,
        argument: { name, value },
        ...(context ? { context: { arguments: context } } : {}),
      })
      .then((r) => r.completion.values);
  const setupRef = { type: "ref/prompt", name: "setup_workspace_integration" };

  it("completes workspaceId for prompts and resource templates", async () => {
    expect(await complete(setupRef, "workspaceId", "a1b2")).toEqual([DEMO_WS]);
    expect(await complete(setupRef, "workspaceId", "no-us")).toEqual([emptyWs]);
    const tpl = { type: "ref/resource", uri: "weavz://workspaces/{workspaceId}/integrations" };
    expect(await complete(tpl, "workspaceId", "")).toEqual(
      expect.arrayContaining([DEMO_WS, emptyWs]),
    );
  });

  it("completes integrationName from the catalog, ranked by the search (prefix, typo, synonym)", async () => {
    expect((await complete(setupRef, "integrationName", "sla"))[0]).toBe("slack");
    expect((await complete(setupRef, "integrationName", "slak"))[0]).toBe("slack");
    expect((await complete(setupRef, "integrationName", "chatgpt")).slice(0, 3)).toContain(
      "openai",
    );
  });

  it("completes aliases of the workspace in context, and connections of the integration in context", async () => {
    expect(await complete(setupRef, "alias", "sl", { workspaceId: DEMO_WS })).toEqual([
      "slack",
      "slack_2",
    ]);
    expect(await complete(setupRef, "alias", "", { workspaceId: emptyWs })).toEqual(["gmail_dms"]);
    const slackConns = await complete(setupRef, "connectionId", "", { integrationName: "slack" });
    expect(slackConns).toContain(SLACK_BOT_CONN);
    expect(slackConns).not.toContain("conn_org_openai");
    const anyConns = await complete(setupRef, "connectionId", "conn_org");
    expect(anyConns).toEqual(["conn_org_openai"]);
    // An argument that does not complete, and an unknown prompt, offer nothing.
    expect(await complete({ type: "ref/prompt", name: "audit_workspace" }, "alias", "")).toEqual(
      [],
    );
    expect(await complete({ type: "ref/prompt", name: "nope" }, "workspaceId", "")).toEqual([]);
  });
});

describe("prompts and completions through the 2026 SDK client", () => {
  it("lists, gets and completes over HTTP", async () => {
    const env = await setup();
    const factory = createServerFactory({ api: env.api, log: silentLogger });
    const http = await serveOverHttp(factory);
    const client = modernClient("m");
    try {
      await client.connect(new ModernHttp(new URL(http.url)));
      expect((await client.listPrompts()).prompts.length).toBe(4);
      const r = await client.getPrompt({
        name: "audit_workspace",
        arguments: { workspaceId: DEMO_WS },
      });
      expect(promptText(r)).toMatch(/no problems/);
      const c = await client.complete({
        ref: { type: "ref/prompt", name: "setup_workspace_integration" },
        argument: { name: "integrationName", value: "gmai" },
      });
      expect(c.completion.values[0]).toBe("gmail");
    } finally {
      await client.close();
      await http.close();
      await env.close();
    }
  });
});
