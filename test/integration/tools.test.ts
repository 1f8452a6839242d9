import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_WS, SLACK_BOT_CONN, setup } from "../helpers/mcp.js";

type Env = Awaited<ReturnType<typeof setup>>;

describe("workspace-integration tools over the real local API", () => {
  let env: Env;
  beforeAll(async () => {
    env = await setup();
  });
  afterAll(async () => {
    await env.close();
  });

  it("creates an integration with a connection strategy and an action subset", async () => {
    const r = await env.call("create_workspace_integration", {
      workspaceId: DEMO_WS,
      integrationName: "slack",
      alias: "team_slack",
      displayName: "Team Slack",
      connectionStrategy: "fixed",
      connectionId: SLACK_BOT_CONN,
      enabledActions: ["send_channel_message", "list_channels"],
    });
    expect(r.isError, env.text(r)).toBeFalsy();
    const i = r.structuredContent?.integration;
    expect(i).toMatchObject({
      workspaceId: DEMO_WS,
      integrationName: "slack",
      alias: "team_slack",
      displayName: "Team Slack",
      connectionStrategy: "fixed",
      connectionId: SLACK_BOT_CONN,
      enabledActions: ["send_channel_message", "list_channels"],
      settings: {},
    });
    // The text block carries the same JSON for clients that ignore structuredContent.
    expect(env.text(r)).toContain(JSON.stringify(r.structuredContent));
    const links = r.content
      .filter((c) => c.type === "resource_link")
      .map((c) => (c as { uri: string }).uri);
    expect(links).toContain(`weavz://workspaces/${DEMO_WS}/integrations`);
  });

  it("lists integrations with the pinned connection's status and names", async () => {
    const r = await env.call("list_workspace_integrations", { workspaceId: DEMO_WS });
    expect(r.isError, env.text(r)).toBeFalsy();
    const item = r.structuredContent?.integrations.find(
      (i: { alias: string }) => i.alias === "team_slack",
    );
    expect(item).toMatchObject({ connectionStatus: "ACTIVE", connectionDisplayName: "Slack Bot" });
    expect(r.structuredContent?.total).toBe(r.structuredContent?.integrations.length);
  });

  it("answers DUPLICATE with the existing integration and what to do", async () => {
    const r = await env.call("create_workspace_integration", {
      workspaceId: DEMO_WS,
      integrationName: "slack",
      alias: "team_slack",
      connectionStrategy: "per_user",
    });
    expect(r.isError).toBe(true);
    const t = env.text(r);
    expect(t).toContain("DUPLICATE");
    expect(t).toContain("HTTP 409");
    expect(t).toContain('"alias":"team_slack"');
    expect(t).toMatch(
      /Next step: choose another alias, or change the existing integration with update_workspace_integration \{"id":/,
    );
  });

  it("passes the API's VALIDATION_ERROR on with each field and what is allowed", async () => {
    const r = await env.call("create_workspace_integration", {
      workspaceId: DEMO_WS,
      integrationName: "slack",
      alias: "slack_bad_actions",
      connectionId: SLACK_BOT_CONN,
      enabledActions: ["send_channel_message", "launch_rocket"],
    });
    expect(r.isError).toBe(true);
    const t = env.text(r);
    expect(t).toContain("VALIDATION_ERROR");
    expect(t).toContain("enabledActions");
    expect(t).toContain("launch_rocket");
    expect(t).toContain("list_channels"); // one of the allowed names
  });

  it("explains a missing connectionId for the fixed strategy", async () => {
    const r = await env.call("create_workspace_integration", {
      workspaceId: DEMO_WS,
      integrationName: "slack",
      alias: "slack_noconn",
    });
    expect(r.isError).toBe(true);
    expect(env.text(r)).toMatch(/VALIDATION_ERROR[\s\S]*connectionId/);
  });

  it("rejects bad arguments before calling the API: enum, range, unknown argument", async () => {
    const bad = await env.call("create_workspace_integration", {
      workspaceId: DEMO_WS,
      integrationName: "advanced-code",
      connectionStrategy: "sometimes",
      settings: { advancedCode: { timeoutSeconds: 90 } },
      colour: "blue",
    });
    expect(bad.isError).toBe(true);
    const t = env.text(bad);
    expect(t).toContain("INVALID_ARGUMENTS: invalid arguments for create_workspace_integration");
    expect(t).toMatch(
      /connectionStrategy:.*Allowed: "fixed", "per_user", "per_user_with_fallback"/,
    );
    expect(t).toMatch(/settings\.advancedCode\.timeoutSeconds/);
    expect(t).toMatch(/colour: unknown argument/);
  });

  it("accepts object and array arguments sent as JSON strings", async () => {
    const r = await env.call("create_workspace_integration", {
      workspaceId: DEMO_WS,
      integrationName: "advanced-code",
      alias: "advanced_code",
      settings: JSON.stringify({
        advancedCode: {
          timeoutSeconds: 45,
          sandboxPersistence: "persistent",
          storageMountScope: "workspace",
        },
      }),
      enabledActions: '["run_code"]',
      sortOrder: "2",
    });
    expect(r.isError, env.text(r)).toBeFalsy();
    expect(r.structuredContent?.integration.settings).toEqual({
      advancedCode: {
        timeoutSeconds: 45,
        sandboxPersistence: "persistent",
        storageMountScope: "workspace",
      },
    });
    expect(r.structuredContent?.integration.sortOrder).toBe(2);
  });

  it("updates by alias: strategy, action subset, rename", async () => {
    const r = await env.call("update_workspace_integration", {
      workspaceId: DEMO_WS,
      alias: "team_slack",
      newAlias: "ops_slack",
      connectionStrategy: "per_user_with_fallback",
      enabledActions: ["send_channel_message"],
    });
    expect(r.isError, env.text(r)).toBeFalsy();
    expect(r.structuredContent?.integration).toMatchObject({
      alias: "ops_slack",
      connectionStrategy: "per_user_with_fallback",
      enabledActions: ["send_channel_message"],
    });
  });

  it("updates by id, clearing displayName and restoring all actions", async () => {
    const list = await env.call("list_workspace_integrations", { workspaceId: DEMO_WS });
    const id = list.structuredContent?.integrations.find(
      (i: { alias: string }) => i.alias === "ops_slack",
    ).id;
    const r = await env.call("update_workspace_integration", {
      workspaceId: DEMO_WS,
      id,
      displayName: null,
      enabledActions: null,
    });
    expect(r.isError, env.text(r)).toBeFalsy();
    expect(r.structuredContent?.integration).toMatchObject({
      id,
      displayName: null,
      enabledActions: null,
    });
  });

  it("answers NO_UPDATES when nothing would change", async () => {
    const r = await env.call("update_workspace_integration", {
      workspaceId: DEMO_WS,
      alias: "ops_slack",
    });
    expect(r.isError).toBe(true);
    expect(env.text(r)).toMatch(/NO_UPDATES[\s\S]*Next step: pass at least one of newAlias/);
  });

  it("answers NOT_FOUND for an unknown id and points to the list tool", async () => {
    const r = await env.call("update_workspace_integration", {
      workspaceId: DEMO_WS,
      id: "00000000-0000-4000-8000-000000000000",
      sortOrder: 3,
    });
    expect(r.isError).toBe(true);
    expect(env.text(r)).toMatch(/NOT_FOUND[\s\S]*HTTP 404[\s\S]*list_workspace_integrations/);
    const d = await env.call("delete_workspace_integration", {
      workspaceId: DEMO_WS,
      id: "00000000-0000-4000-8000-000000000000",
    });
    expect(env.text(d)).toMatch(/NOT_FOUND/);
  });

  it("says so when an alias matches nothing, and needs id or alias", async () => {
    const r = await env.call("delete_workspace_integration", {
      workspaceId: DEMO_WS,
      alias: "nope",
    });
    expect(r.isError).toBe(true);
    expect(env.text(r)).toMatch(/No workspace integration with alias "nope"/);
    const n = await env.call("delete_workspace_integration", { workspaceId: DEMO_WS });
    expect(env.text(n)).toMatch(/id or alias/);
  });

  it("deletes by alias and by id", async () => {
    const a = await env.callConfirmed("delete_workspace_integration", {
      workspaceId: DEMO_WS,
      alias: "ops_slack",
    });
    expect(a.isError, env.text(a)).toBeFalsy();
    expect(a.structuredContent).toMatchObject({ deleted: true, workspaceId: DEMO_WS });
    const list = await env.call("list_workspace_integrations", { workspaceId: DEMO_WS });
    const id = list.structuredContent?.integrations.find(
      (i: { alias: string }) => i.alias === "advanced_code",
    ).id;
    const b = await env.callConfirmed("delete_workspace_integration", { workspaceId: DEMO_WS, id });
    expect(b.structuredContent).toMatchObject({ deleted: true, id });
    const after = await env.call("list_workspace_integrations", { workspaceId: DEMO_WS });
    expect(
      after.structuredContent?.integrations.map((i: { alias: string }) => i.alias),
    ).not.toContain("ops_slack");
  });

  it("needs a workspaceId when no default is configured, and names the env var", async () => {
    const r = await env.call("list_workspace_integrations", {});
    expect(r.isError).toBe(true);
    expect(env.text(r)).toContain("WEAVZ_WORKSPACE_ID");
  });

  it("lists workspaces and connections, and filters connections by integration", async () => {
    const ws = await env.call("list_workspaces");
    expect(ws.structuredContent?.workspaces.map((w: { id: string }) => w.id)).toContain(DEMO_WS);
    const c = await env.call("list_connections", { integrationName: "slack" });
    expect(c.isError, env.text(c)).toBeFalsy();
    const ids = c.structuredContent?.connections.map((x: { id: string }) => x.id);
    expect(ids).toEqual(
      expect.arrayContaining([SLACK_BOT_CONN, "conn_slack_default", "conn_slack_bot"]),
    );
    expect(
      c.structuredContent?.connections.every(
        (x: { integrationName: string }) => x.integrationName === "slack",
      ),
    ).toBe(true);
    expect(JSON.stringify(c.structuredContent)).not.toMatch(/secret|password|token/i);
  });

  it("finds integrations and actions in the catalog", async () => {
    const s = await env.call("search_catalog", { query: "slack message" });
    expect(s.isError, env.text(s)).toBeFalsy();
    expect(s.structuredContent?.hits[0].name).toBe("slack");
    expect(s.structuredContent?.hits[0].matchedActions).toContain("send_channel_message");
    const g = await env.call("get_catalog_integration", { integrationName: "kv-store" });
    expect(g.structuredContent).toMatchObject({
      name: "kv-store",
      builtIn: true,
      needsConnection: false,
      settingsBlocks: ["persistence"],
    });
    expect(
      g.structuredContent?.actions.find((a: { name: string }) => a.name === "put").requiredInputs,
    ).toEqual(["key", "value"]);
    const missing = await env.call("get_catalog_integration", { integrationName: "no-such-thing" });
    expect(env.text(missing)).toMatch(/INTEGRATION_NOT_FOUND[\s\S]*search_catalog/);
  });

  it("reports an unknown tool clearly", async () => {
    const r = await env.call("drop_all_tables", {});
    expect(r.isError).toBe(true);
    expect(env.text(r)).toMatch(
      /UNKNOWN_TOOL: there is no tool "drop_all_tables"\.\nTools: list_workspace_integrations/,
    );
  });
});

describe("defaults and access errors", () => {
  it("uses the default workspace when workspaceId is omitted", async () => {
    const env = await setup({ defaultWorkspaceId: DEMO_WS });
    try {
      const r = await env.call("create_workspace_integration", {
        integrationName: "kv-store",
        settings: { persistence: { scope: "workspace" } },
      });
      expect(r.isError, env.text(r)).toBeFalsy();
      expect(r.structuredContent?.integration).toMatchObject({
        workspaceId: DEMO_WS,
        alias: "kv-store",
        settings: { persistence: { scope: "workspace" } },
      });
      const l = await env.call("list_workspace_integrations");
      expect(l.structuredContent?.total).toBe(1);
    } finally {
      await env.close();
    }
  });

  it("turns a rejected key into UNAUTHORIZED with the env var to fix", async () => {
    const env = await setup({ apiKey: "wvz_wrong_key_123456" });
    try {
      const r = await env.call("list_workspaces");
      expect(r.isError).toBe(true);
      expect(env.text(r)).toMatch(/UNAUTHORIZED[\s\S]*HTTP 401[\s\S]*WEAVZ_API_KEY/);
      expect(env.text(r)).not.toContain("wvz_wrong_key_123456");
    } finally {
      await env.close();
    }
  });

  it("turns a key scoped to other workspaces into SCOPE_DENIED with what to do", async () => {
    const scoped = "wvz_scoped_key_0123456789";
    const env = await setup({
      local: { extraKeys: [{ key: scoped, workspaceIds: ["some-other-workspace"] }] },
      apiKey: scoped,
    });
    try {
      const r = await env.call("list_workspace_integrations", { workspaceId: DEMO_WS });
      expect(r.isError).toBe(true);
      expect(env.text(r)).toMatch(/SCOPE_DENIED[\s\S]*HTTP 403[\s\S]*scoped to other workspaces/);
    } finally {
      await env.close();
    }
  });
});
