import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWeavzClient } from "../../src/api/client.js";
import { DEMO } from "../../src/local/demo.js";
import { silentLogger } from "../../src/log.js";
import { client, issue, startTestLocalApi, type TestLocalApi } from "../helpers/local-api.js";
import { connectMcp } from "../helpers/mcp.js";

/**
 * Issue 23.2: a workspace's connections and external namespaces stay in their workspace.
 * Workspace A is the demo workspace; B is made here and holds a WORKSPACE-scoped slack
 * connection. KEY_A is an API key limited to A. All through the real local API over HTTP
 * (undici), and the planner through the SDK client against our MCP server.
 */
const A = DEMO.workspaceId;
const KEY_A = "wvz_limited_to_a_0123456789abcdef";

describe("workspace limits cover connections and external namespaces", () => {
  let local: TestLocalApi;
  let admin: ReturnType<typeof client>;
  let B: string;
  let bConn: string;
  const asA = (m: string, p: string, body?: unknown) => admin(m, p, body, { key: KEY_A });

  beforeAll(async () => {
    local = await startTestLocalApi({ extraKeys: [{ key: KEY_A, workspaceIds: [A] }] });
    admin = client(local.url, local.apiKey);
    const ws = await admin("POST", "/api/v1/workspaces", { name: "B", slug: "b" });
    expect(ws.status, ws.text).toBe(201);
    B = ws.body.workspace.id;
    const conn = await admin("POST", "/api/v1/connections", {
      type: "SECRET_TEXT",
      externalId: "b_slack",
      displayName: "B slack",
      integrationName: "slack",
      workspaceId: B,
      scope: "WORKSPACE",
      secretText: "xoxb-b-secret",
    });
    expect(conn.status, conn.text).toBe(201);
    bConn = conn.body.connection.id;
  });
  afterAll(() => local.close());

  it("refuses to pin another workspace's connection on create and update, for any key", async () => {
    for (const call of [asA, admin]) {
      const r = await call("POST", `/api/v1/workspaces/${A}/integrations`, {
        integrationName: "slack",
        alias: "b_slack",
        connectionStrategy: "fixed",
        connectionId: bConn,
      });
      expect(r.status, r.text).toBe(400);
      expect(r.body.code).toBe("VALIDATION_ERROR");
      expect(issue(r.body, "connectionId")?.message).toMatch(/not usable in workspace/);
      // B's name is not told to a caller who may not see it.
      expect(r.text).not.toContain(B);
    }
    const made = await asA("POST", `/api/v1/workspaces/${A}/integrations`, {
      integrationName: "slack",
      alias: "a_slack",
      connectionStrategy: "fixed",
      connectionId: DEMO.slackBotConnectionId,
    });
    expect(made.status, made.text).toBe(201);
    const patched = await asA(
      "PATCH",
      `/api/v1/workspaces/${A}/integrations/${made.body.integration.id}`,
      { connectionId: bConn },
    );
    expect(patched.status, patched.text).toBe(400);
    expect(issue(patched.body, "connectionId")?.message).toMatch(/not usable in workspace/);
  });

  it("an execution never runs with another workspace's connection, even one pinned before", async () => {
    // A record pinned before the rule existed (written straight to the store).
    const now = new Date().toISOString();
    local.store.integrations.insert({
      id: crypto.randomUUID(),
      workspaceId: A,
      orgId: local.store.workspaces.get(A)?.orgId as string,
      integrationName: "slack",
      alias: "old_pin",
      displayName: null,
      connectionStrategy: "fixed",
      connectionId: bConn,
      enabledActions: null,
      settings: {},
      sortOrder: 0,
      createdAt: now,
      updatedAt: now,
    });
    const r = await asA("POST", "/api/v1/actions/execute", {
      workspaceId: A,
      integrationName: "slack",
      integrationAlias: "old_pin",
      actionName: "send_channel_message",
      input: { channel: "C1", text: "hi" },
    });
    expect(r.status, r.text).toBe(400);
    expect(r.body.code).toBe("CONNECTION_REQUIRED");
    expect(r.text).not.toContain("B slack");
    expect(r.text).not.toContain("b_slack");
  });

  it("a key limited to A cannot point an integration at the organisation's external namespace", async () => {
    // The owner (an organisation-wide key) keeps data in an external namespace from B.
    const inB = await admin("POST", `/api/v1/workspaces/${B}/integrations`, {
      integrationName: "kv-store",
      alias: "shared",
      settings: { persistence: { scope: "external", externalId: "team" } },
    });
    expect(inB.status, inB.text).toBe(201);
    const put = await admin("POST", "/api/v1/actions/execute", {
      workspaceId: B,
      integrationName: "kv-store",
      actionName: "put",
      input: { key: "secret", value: "from B" },
    });
    expect(put.status, put.text).toBe(200);

    const settings = { persistence: { scope: "external", externalId: "team" } };
    const r = await asA("POST", `/api/v1/workspaces/${A}/integrations`, {
      integrationName: "kv-store",
      alias: "peek",
      settings,
    });
    expect(r.status, r.text).toBe(403);
    expect(r.body.code).toBe("SCOPE_DENIED");
    expect(r.body.error).toMatch(/external/);
    // Nor by turning an integration of its own into one.
    const own = await asA("POST", `/api/v1/workspaces/${A}/integrations`, {
      integrationName: "kv-store",
      alias: "own",
      settings: { persistence: { scope: "workspace" } },
    });
    expect(own.status, own.text).toBe(201);
    const turned = await asA(
      "PATCH",
      `/api/v1/workspaces/${A}/integrations/${own.body.integration.id}`,
      { settings },
    );
    expect(turned.status, turned.text).toBe(403);
    // advanced-code's storage mount is the same namespace.
    const mount = await asA("POST", `/api/v1/workspaces/${A}/integrations`, {
      integrationName: "advanced-code",
      alias: "mount",
      settings: { advancedCode: { storageMountScope: "external", storageExternalId: "team" } },
    });
    expect(mount.status, mount.text).toBe(403);
    const get = await asA("POST", "/api/v1/actions/execute", {
      workspaceId: A,
      integrationName: "kv-store",
      integrationAlias: "own",
      actionName: "get",
      input: { key: "secret" },
    });
    expect(get.text).not.toContain("from B");

    // One the owner set up in A stays usable, and editable in other fields, by A's key.
    const granted = await admin("POST", `/api/v1/workspaces/${A}/integrations`, {
      integrationName: "kv-store",
      alias: "granted",
      settings,
    });
    expect(granted.status, granted.text).toBe(201);
    const renamed = await asA(
      "PATCH",
      `/api/v1/workspaces/${A}/integrations/${granted.body.integration.id}`,
      { displayName: "Team notes" },
    );
    expect(renamed.status, renamed.text).toBe(200);
    const moved = await asA(
      "PATCH",
      `/api/v1/workspaces/${A}/integrations/${granted.body.integration.id}`,
      { settings: { persistence: { scope: "external", externalId: "other-team" } } },
    );
    expect(moved.status, moved.text).toBe(403);
  });

  it("plan_workspace reports another workspace's connection as a problem (SDK client)", async () => {
    const api = createWeavzClient({ baseUrl: local.url, apiKey: local.apiKey, log: silentLogger });
    const mcp = await connectMcp(api);
    try {
      const r = await mcp.call("plan_workspace", {
        workspaceId: A,
        integrations: {
          b_slack: { integrationName: "slack", connectionStrategy: "fixed", connectionId: bConn },
        },
      });
      const plan = r.structuredContent as any;
      expect(plan.steps).toEqual([]);
      expect(plan.issues).toEqual([
        expect.objectContaining({
          alias: "b_slack",
          field: "connectionId",
          rule: "CONNECTION_OTHER_WORKSPACE",
        }),
      ]);
      expect(plan.issues[0].message).toMatch(/belongs to another workspace/);
      // The organisation's slack connections are offered instead.
      expect(plan.issues[0].suggestions).toContain(DEMO.slackBotConnectionId);
      expect(plan.issues[0].suggestions).not.toContain(bConn);
    } finally {
      await mcp.close();
    }
  });
});

describe("connection lookups include organisation-level connections (issue 23.8)", () => {
  let local: TestLocalApi;
  beforeAll(async () => {
    local = await startTestLocalApi({ demo: true });
  });
  afterAll(() => local.close());

  it("list_connections and connectionId completion with a workspace offer the organisation's", async () => {
    const admin = client(local.url, local.apiKey);
    const ws = await admin("POST", "/api/v1/workspaces", { name: "Other", slug: "other" });
    const other = ws.body.workspace.id;
    const own = await admin("POST", "/api/v1/connections", {
      type: "SECRET_TEXT",
      externalId: "other_slack",
      displayName: "Other slack",
      integrationName: "slack",
      workspaceId: other,
      scope: "WORKSPACE",
      secretText: "xoxb-other",
    });
    expect(own.status, own.text).toBe(201);
    const api = createWeavzClient({ baseUrl: local.url, apiKey: local.apiKey, log: silentLogger });
    const mcp = await connectMcp(api, { defaultWorkspaceId: A });
    try {
      const r = await mcp.call("list_connections", { integrationName: "slack", workspaceId: A });
      const ids = (r.structuredContent as any).connections.map((c: any) => c.id).sort();
      expect(ids).toEqual(
        [
          DEMO.slackBotConnectionId,
          DEMO.slackDefaultConnectionId,
          DEMO.slackBotPinnedConnectionId,
        ].sort(),
      );
      const done = await mcp.client.complete({
        ref: { type: "ref/prompt", name: "setup_workspace_integration" },
        argument: { name: "connectionId", value: "" },
        context: { arguments: { integrationName: "slack", workspaceId: A } },
      } as never);
      expect([...done.completion.values].sort()).toEqual(ids);
      // The other workspace sees its own connection beside the organisation's.
      const theirs = await mcp.call("list_connections", {
        integrationName: "slack",
        workspaceId: other,
      });
      expect((theirs.structuredContent as any).connections).toHaveLength(4);
    } finally {
      await mcp.close();
    }
  });
});
