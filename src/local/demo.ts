import type { Store } from "./store/index.js";

/** Ids of the demo data: the ones the spec's curl examples use, so they run as written. */
export const DEMO = {
  workspaceId: "a1b2c3d4-e5f6-7890-abcd-ef1234567890",
  slackBotConnectionId: "c1d2e3f4-5678-90ab-cdef-1234567890ab",
  slackDefaultConnectionId: "conn_slack_default",
  slackBotPinnedConnectionId: "conn_slack_bot",
  openaiConnectionId: "conn_org_openai",
  gmailConnectionId: "conn_gmail_user_123",
  endUserId: "b2c3d4e5-f6a7-8901-bcde-f12345678901",
  endUserExternalId: "user_123",
  mcpServerId: "e3f4a5b6-7890-4bcd-8ef0-123456789abc",
} as const;

/**
 * Seeds a brand-new database: one workspace, the connections of the spec's examples and an
 * end user with a personal Gmail connection, and one MCP server (OAuth, so per_user
 * integrations stay allowed; `weavz-mcp mcp-server token ID` adds a bearer token to try its
 * local endpoint).
 * No workspace integrations, so every create example of the spec succeeds on a fresh database.
 */
export function seedDemo(store: Store): void {
  store.write(() => {
    const ws = store.workspaces.insert("Demo Workspace", "demo", DEMO.workspaceId);
    const org = { workspaceId: null, endUserId: null, secrets: null, scope: "ORGANIZATION" };
    store.connections.insert({
      ...org,
      id: DEMO.slackBotConnectionId,
      externalId: "slack_bot",
      displayName: "Slack Bot",
      integrationName: "slack",
      type: "OAUTH2",
    });
    store.connections.insert({
      ...org,
      id: DEMO.slackDefaultConnectionId,
      externalId: "slack_default",
      displayName: "Slack (team default)",
      integrationName: "slack",
      type: "OAUTH2",
    });
    store.connections.insert({
      ...org,
      id: DEMO.slackBotPinnedConnectionId,
      externalId: "slack_bot_workspace",
      displayName: "Slack Bot (workspace)",
      integrationName: "slack",
      type: "OAUTH2",
    });
    store.connections.insert({
      ...org,
      id: DEMO.openaiConnectionId,
      externalId: "org_openai",
      displayName: "OpenAI (organization)",
      integrationName: "openai",
      type: "SECRET_TEXT",
    });
    store.endUsers.insert({
      id: DEMO.endUserId,
      workspaceId: DEMO.workspaceId,
      externalId: DEMO.endUserExternalId,
      displayName: "Demo User",
      email: "user_123@example.com",
    });
    // endUserId holds the end user's externalId: the id callers pass at execution.
    store.connections.insert({
      id: DEMO.gmailConnectionId,
      externalId: "gmail_user_123",
      displayName: "Demo User's Gmail",
      integrationName: "gmail",
      type: "OAUTH2",
      scope: "USER",
      workspaceId: DEMO.workspaceId,
      endUserId: DEMO.endUserExternalId,
      secrets: null,
    });
    // No token is stored: a static bearer token would block per_user integrations in the
    // demo workspace (the spec's examples use them), and hashing one here would add a key
    // derivation to every first start.
    store.mcpServers.insert(
      {
        id: DEMO.mcpServerId,
        orgId: ws.orgId,
        workspaceId: ws.id,
        name: "Demo MCP server",
        description: "Serves the demo workspace's integrations as MCP tools.",
        mode: "TOOLS",
        authMode: "oauth",
        hasBearerToken: false,
        createdAt: ws.createdAt,
        updatedAt: ws.updatedAt,
      },
      null,
    );
  });
}
