import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_WS, SLACK_BOT_CONN, setup } from "../helpers/mcp.js";

/**
 * Mistakes an agent makes, one per row, through the SDK client against our server on the
 * real local API. Each must come back as an isError result with the expected code, name the
 * tool to call next, never mention a REST path or verb, never show an empty "Allowed", and
 * (where a name was misspelled) offer the closest valid one.
 */
interface Row {
  why: string;
  tool: string;
  args: Record<string, unknown>;
  code: string;
  /** The tool the "Next step" line must name. */
  next: string;
  /** Extra text the result must contain (e.g. a did-you-mean). */
  has?: RegExp;
}

const WS = DEMO_WS;
const NO_SUCH_ID = "00000000-0000-4000-8000-00000000dead";
const REST_FRAGMENTS = ["/api/v1", "GET ", "POST ", "PATCH ", "DELETE "];

const rows: Row[] = [
  // create_workspace_integration
  {
    why: "an integration that does not exist",
    tool: "create_workspace_integration",
    args: { workspaceId: WS, integrationName: "nope-not-real" },
    code: "VALIDATION_ERROR",
    next: "search_catalog",
  },
  {
    why: "a brand name in the wrong case",
    tool: "create_workspace_integration",
    args: { workspaceId: WS, integrationName: "Slack", connectionId: SLACK_BOT_CONN },
    code: "VALIDATION_ERROR",
    next: 'create_workspace_integration again with integrationName "slack"',
    has: /did you mean "slack"/i,
  },
  {
    why: "a typo in the integration name",
    tool: "create_workspace_integration",
    args: { workspaceId: WS, integrationName: "slak" },
    code: "VALIDATION_ERROR",
    next: 'create_workspace_integration again with integrationName "slack"',
    has: /did you mean "slack"/i,
  },
  {
    why: "a transposed integration name",
    tool: "create_workspace_integration",
    args: { workspaceId: WS, integrationName: "gmial" },
    code: "VALIDATION_ERROR",
    next: 'create_workspace_integration again with integrationName "gmail"; if "gmail" is not the one meant, call search_catalog',
    has: /did you mean "gmail"/i,
  },
  {
    why: "a fixed strategy without a connection",
    tool: "create_workspace_integration",
    args: { workspaceId: WS, integrationName: "slack", alias: "no_conn" },
    code: "VALIDATION_ERROR",
    next: "list_connections",
  },
  {
    why: "a connection id that does not exist",
    tool: "create_workspace_integration",
    args: {
      workspaceId: WS,
      integrationName: "slack",
      alias: "bad_conn",
      connectionId: "conn-does-not-exist",
    },
    code: "VALIDATION_ERROR",
    next: "list_connections",
  },
  {
    why: "a connection id with a typo",
    tool: "create_workspace_integration",
    args: {
      workspaceId: WS,
      integrationName: "slack",
      alias: "typo_conn",
      connectionId: SLACK_BOT_CONN.replace(/b$/, "c"),
    },
    code: "VALIDATION_ERROR",
    next: "list_connections",
    has: new RegExp(`did you mean "${SLACK_BOT_CONN}"`, "i"),
  },
  {
    why: "a misspelled action",
    tool: "create_workspace_integration",
    args: {
      workspaceId: WS,
      integrationName: "slack",
      alias: "typo_action",
      connectionId: SLACK_BOT_CONN,
      enabledActions: ["send_chanel_message"],
    },
    code: "VALIDATION_ERROR",
    next: "get_catalog_integration",
    has: /did you mean "send_channel_message"/i,
  },
  {
    why: "an invented action",
    tool: "create_workspace_integration",
    args: {
      workspaceId: WS,
      integrationName: "slack",
      alias: "made_up",
      connectionId: SLACK_BOT_CONN,
      enabledActions: ["launch_rocket"],
    },
    code: "VALIDATION_ERROR",
    next: "get_catalog_integration",
    has: /Allowed: "/,
  },
  {
    why: "an empty action list",
    tool: "create_workspace_integration",
    args: { workspaceId: WS, integrationName: "kv-store", enabledActions: [] },
    code: "INVALID_ARGUMENTS",
    next: "create_workspace_integration",
    has: /null for all actions/,
  },
  {
    why: "an alias with spaces and capitals",
    tool: "create_workspace_integration",
    args: { workspaceId: WS, integrationName: "kv-store", alias: "My KV" },
    code: "INVALID_ARGUMENTS",
    next: "create_workspace_integration",
    has: /alias/,
  },
  {
    why: "a misspelled strategy",
    tool: "create_workspace_integration",
    args: { workspaceId: WS, integrationName: "kv-store", connectionStrategy: "fixd" },
    code: "INVALID_ARGUMENTS",
    next: "create_workspace_integration",
    has: /did you mean "fixed"/i,
  },
  {
    why: "a snake_case argument name",
    tool: "create_workspace_integration",
    args: { workspaceId: WS, integration_name: "kv-store" },
    code: "INVALID_ARGUMENTS",
    next: "create_workspace_integration",
    has: /did you mean "integrationName"/i,
  },
  {
    why: "a settings block the integration does not take",
    tool: "create_workspace_integration",
    args: {
      workspaceId: WS,
      integrationName: "kv-store",
      alias: "kv_code",
      settings: { advancedCode: { timeoutSeconds: 10 } },
    },
    code: "VALIDATION_ERROR",
    next: "get_catalog_integration",
  },
  {
    why: "a timeout out of range",
    tool: "create_workspace_integration",
    args: {
      workspaceId: WS,
      integrationName: "advanced-code",
      settings: { advancedCode: { timeoutSeconds: 600 } },
    },
    code: "INVALID_ARGUMENTS",
    next: "create_workspace_integration",
    has: /timeoutSeconds/,
  },
  {
    why: "an external scope without its id",
    tool: "create_workspace_integration",
    args: {
      workspaceId: WS,
      integrationName: "kv-store",
      settings: { persistence: { scope: "external" } },
    },
    code: "INVALID_ARGUMENTS",
    next: "create_workspace_integration",
    has: /externalId/,
  },
  {
    why: "a connection for per_user",
    tool: "create_workspace_integration",
    args: {
      workspaceId: WS,
      integrationName: "slack",
      alias: "pu",
      connectionStrategy: "per_user",
      connectionId: SLACK_BOT_CONN,
    },
    code: "VALIDATION_ERROR",
    next: "list_connections",
  },
  {
    why: "an alias already in use",
    tool: "create_workspace_integration",
    args: {
      workspaceId: WS,
      integrationName: "slack",
      alias: "ops_slack",
      connectionId: SLACK_BOT_CONN,
    },
    code: "DUPLICATE",
    next: "update_workspace_integration",
  },
  {
    why: "a workspace that does not exist",
    tool: "create_workspace_integration",
    args: { workspaceId: "ws-nope", integrationName: "kv-store" },
    code: "NOT_FOUND",
    next: "list_workspaces",
  },
  {
    why: "no workspace and no default",
    tool: "create_workspace_integration",
    args: { integrationName: "kv-store" },
    code: "WORKSPACE_REQUIRED",
    next: "list_workspaces",
  },
  {
    why: "settings as broken JSON text",
    tool: "create_workspace_integration",
    args: { workspaceId: WS, integrationName: "kv-store", settings: "{persistence:" },
    code: "INVALID_ARGUMENTS",
    next: "create_workspace_integration",
    has: /settings/,
  },
  {
    why: "a sortOrder that is not a number",
    tool: "create_workspace_integration",
    args: { workspaceId: WS, integrationName: "kv-store", sortOrder: "first" },
    code: "INVALID_ARGUMENTS",
    next: "create_workspace_integration",
    has: /sortOrder/,
  },
  // update_workspace_integration
  {
    why: "alias alone, meaning to rename",
    tool: "update_workspace_integration",
    args: { workspaceId: WS, alias: "ops_slack" },
    code: "NO_UPDATES",
    next: "newAlias",
  },
  {
    why: "a misspelled alias",
    tool: "update_workspace_integration",
    args: { workspaceId: WS, alias: "ops_slak", sortOrder: 2 },
    code: "NOT_FOUND",
    next: "list_workspace_integrations",
    has: /did you mean "ops_slack"/i,
  },
  {
    why: "an id that does not exist",
    tool: "update_workspace_integration",
    args: { workspaceId: WS, id: NO_SUCH_ID, sortOrder: 2 },
    code: "NOT_FOUND",
    next: "list_workspace_integrations",
  },
  {
    why: "neither id nor alias",
    tool: "update_workspace_integration",
    args: { workspaceId: WS, sortOrder: 2 },
    code: "INVALID_ARGUMENTS",
    next: "list_workspace_integrations",
  },
  {
    why: "an id and an alias of different integrations",
    tool: "update_workspace_integration",
    args: { workspaceId: WS, id: NO_SUCH_ID, alias: "ops_slack", sortOrder: 2 },
    code: "INVALID_ARGUMENTS",
    next: "id or alias",
  },
  {
    why: "a rename onto an alias in use",
    tool: "update_workspace_integration",
    args: { workspaceId: WS, alias: "ops_slack", newAlias: "ops_kv" },
    code: "DUPLICATE",
    next: "list_workspace_integrations",
  },
  {
    why: "a misspelled action on update",
    tool: "update_workspace_integration",
    args: { workspaceId: WS, alias: "ops_slack", enabledActions: ["list_chanels"] },
    code: "VALIDATION_ERROR",
    next: "get_catalog_integration",
    has: /did you mean "list_channels"/i,
  },
  {
    why: "a settings block on slack",
    tool: "update_workspace_integration",
    args: {
      workspaceId: WS,
      alias: "ops_slack",
      settings: { persistence: { scope: "workspace" } },
    },
    code: "VALIDATION_ERROR",
    next: "get_catalog_integration",
  },
  {
    why: "an empty displayName instead of null",
    tool: "update_workspace_integration",
    args: { workspaceId: WS, alias: "ops_slack", displayName: "" },
    code: "INVALID_ARGUMENTS",
    next: "update_workspace_integration",
    has: /displayName/,
  },
  {
    why: "rename passed as alias only",
    tool: "update_workspace_integration",
    args: { workspaceId: WS, alias: "Ops Slack" },
    code: "INVALID_ARGUMENTS",
    next: "update_workspace_integration",
    has: /alias/,
  },
  {
    why: "integrationName cannot change",
    tool: "update_workspace_integration",
    args: { workspaceId: WS, alias: "ops_slack", integrationName: "gmail" },
    code: "INVALID_ARGUMENTS",
    next: "update_workspace_integration",
    has: /integrationName/,
  },
  // delete_workspace_integration
  {
    why: "deleting a misspelled alias",
    tool: "delete_workspace_integration",
    args: { workspaceId: WS, alias: "opsslack" },
    code: "NOT_FOUND",
    next: "list_workspace_integrations",
    has: /did you mean "ops_slack"/i,
  },
  {
    why: "deleting an id that does not exist",
    tool: "delete_workspace_integration",
    args: { workspaceId: WS, id: NO_SUCH_ID },
    code: "NOT_FOUND",
    next: "list_workspace_integrations",
  },
  {
    why: "deleting without id or alias",
    tool: "delete_workspace_integration",
    args: { workspaceId: WS },
    code: "INVALID_ARGUMENTS",
    next: "list_workspace_integrations",
  },
  // list_workspace_integrations
  {
    why: "listing a workspace that does not exist",
    tool: "list_workspace_integrations",
    args: { workspaceId: "ws-nope" },
    code: "NOT_FOUND",
    next: "list_workspaces",
  },
  {
    why: "an invented strategy filter",
    tool: "list_workspace_integrations",
    args: { workspaceId: WS, connectionStrategy: "shared" },
    code: "INVALID_ARGUMENTS",
    next: "list_workspace_integrations",
    has: /Allowed: "fixed"/,
  },
  {
    why: "a zero page size",
    tool: "list_workspace_integrations",
    args: { workspaceId: WS, limit: 0 },
    code: "INVALID_ARGUMENTS",
    next: "list_workspace_integrations",
    has: /limit/,
  },
  {
    why: "search instead of query",
    tool: "list_workspace_integrations",
    args: { workspaceId: WS, search: "slack" },
    code: "INVALID_ARGUMENTS",
    next: "list_workspace_integrations",
    has: /search/,
  },
  {
    why: "a misspelt integration name to run",
    tool: "execute_action",
    args: { workspaceId: WS, integrationName: "gmial", actionName: "send_email" },
    code: "INTEGRATION_NOT_FOUND",
    next: 'execute_action again with integrationName "gmail"',
  },
  {
    why: "a misspelt alias (one close match, no stray period after the question)",
    tool: "update_workspace_integration",
    args: { workspaceId: WS, alias: "ops_kvv", displayName: "x" },
    code: "NOT_FOUND",
    next: "list_workspace_integrations",
    has: /did you mean "ops_kv"\?\n/,
  },
  {
    why: "a confirm token that was never issued",
    tool: "delete_workspace_integration",
    args: { workspaceId: WS, alias: "ops_kv", confirm: "not-a-real-token" },
    code: "CONFIRMATION_REFUSED",
    next: "delete_workspace_integration again without confirm",
    has: /Nothing was changed/,
  },
  // catalog
  {
    why: "a catalog name with a typo",
    tool: "get_catalog_integration",
    args: { integrationName: "slak" },
    code: "INTEGRATION_NOT_FOUND",
    next: 'get_catalog_integration again with integrationName "slack"',
    has: /did you mean "slack"/i,
  },
  {
    why: "a product name instead of the integration",
    tool: "get_catalog_integration",
    args: { integrationName: "chatgpt" },
    code: "INTEGRATION_NOT_FOUND",
    next: "search_catalog",
  },
  {
    why: "a misspelled action in the catalog filter",
    tool: "get_catalog_integration",
    args: { integrationName: "slack", actions: ["send_chanel_message"] },
    code: "ACTION_NOT_FOUND",
    next: "get_catalog_integration",
    has: /did you mean "send_channel_message"/i,
  },
  {
    why: "an empty search",
    tool: "search_catalog",
    args: { query: "" },
    code: "INVALID_ARGUMENTS",
    next: "search_catalog",
    has: /query/,
  },
  // MCP servers, workspaces, connections
  {
    why: "an MCP server id that does not exist",
    tool: "get_mcp_server",
    args: { id: "nope" },
    code: "NOT_FOUND",
    next: "list_mcp_servers",
  },
  {
    why: "an empty MCP server id",
    tool: "get_mcp_server",
    args: { id: "" },
    code: "INVALID_ARGUMENTS",
    next: "get_mcp_server",
    has: /id/,
  },
  {
    why: "a page size over the maximum",
    tool: "list_connections",
    args: { limit: 500 },
    code: "INVALID_ARGUMENTS",
    next: "list_connections",
    has: /limit/,
  },
  {
    why: "a negative offset",
    tool: "list_workspaces",
    args: { offset: -1 },
    code: "INVALID_ARGUMENTS",
    next: "list_workspaces",
    has: /offset/,
  },
  {
    why: "a tool name that does not exist",
    tool: "create_integration",
    args: {},
    code: "UNKNOWN_TOOL",
    next: "create_workspace_integration",
  },
  {
    why: "a tool name in the wrong form",
    tool: "listWorkspaceIntegrations",
    args: {},
    code: "UNKNOWN_TOOL",
    next: "list_workspace_integrations",
    has: /did you mean "list_workspace_integrations"\?\n/,
  },
];

describe("agent mistakes: each names its code and the tool to call next", () => {
  let env: Awaited<ReturnType<typeof setup>>;
  beforeAll(async () => {
    // No default workspace: the "no workspace" row needs it unset; the others pass it.
    env = await setup();
    for (const args of [
      { integrationName: "slack", alias: "ops_slack", connectionId: SLACK_BOT_CONN },
      { integrationName: "kv-store", alias: "ops_kv" },
    ]) {
      const r = await env.call("create_workspace_integration", { workspaceId: WS, ...args });
      expect(r.isError, env.text(r)).toBeFalsy();
    }
  });
  afterAll(async () => {
    await env?.close();
  });

  it("has at least 40 rows", () => {
    expect(rows.length).toBeGreaterThanOrEqual(40);
  });

  it.each(rows)("$tool: $why → $code, next $next", async (row) => {
    const r = await env.call(row.tool, row.args);
    const text = env.text(r);
    expect(r.isError, text).toBe(true);
    expect(text).toMatch(new RegExp(`^Error ${row.code}\\b`));
    const next = text.split("\n").find((l) => l.startsWith("Next step: "));
    expect(next, text).toBeDefined();
    expect(next).toContain(row.next);
    for (const fragment of REST_FRAGMENTS) expect(text).not.toContain(fragment);
    expect(text).not.toMatch(/Allowed:\s*(\.|,|$)/m);
    expect(text).not.toMatch(/\bat .+\.(js|ts):\d+/); // no stack trace
    if (row.has) expect(text).toMatch(row.has);
  });
});
