import { describe, expect, it } from "vitest";
import { client, startTestLocalApi, useLocalApi } from "../helpers/local-api.js";

// Every request body of the spec (workspace-integrations-api.txt), verbatim, in order.
// The curl examples use {workspaceId} for the path; the demo workspace is
// a1b2c3d4-e5f6-7890-abcd-ef1234567890, as in the first examples.
const WS = "a1b2c3d4-e5f6-7890-abcd-ef1234567890";
const SPEC_CREATES: Array<{ name: string; body: Record<string, unknown> }> = [
  {
    name: "create example",
    body: {
      integrationName: "slack",
      alias: "team_slack",
      displayName: "Team Slack",
      connectionStrategy: "fixed",
      connectionId: "c1d2e3f4-5678-90ab-cdef-1234567890ab",
      enabledActions: ["send_channel_message", "list_channels"],
    },
  },
  {
    name: "advanced-code settings",
    body: {
      integrationName: "advanced-code",
      alias: "advanced_code",
      settings: {
        advancedCode: {
          timeoutSeconds: 45,
          sandboxPersistence: "persistent",
          storageMountScope: "workspace",
        },
      },
    },
  },
  {
    name: "stateful tool settings",
    body: {
      integrationName: "kv-store",
      alias: "workspace_kv",
      settings: { persistence: { scope: "workspace" } },
    },
  },
  {
    name: "fixed",
    body: {
      integrationName: "openai",
      connectionStrategy: "fixed",
      connectionId: "conn_org_openai",
    },
  },
  { name: "per_user", body: { integrationName: "gmail", connectionStrategy: "per_user" } },
  {
    name: "per_user_with_fallback",
    body: {
      integrationName: "slack",
      connectionStrategy: "per_user_with_fallback",
      connectionId: "conn_slack_default",
    },
  },
  {
    name: "alias: bot workspace",
    body: {
      integrationName: "slack",
      alias: "slack_bot",
      connectionStrategy: "fixed",
      connectionId: "conn_slack_bot",
    },
  },
  {
    name: "alias: user workspace",
    body: { integrationName: "slack", alias: "slack_user", connectionStrategy: "per_user" },
  },
];
const SPEC_PATCH = {
  connectionStrategy: "per_user_with_fallback",
  enabledActions: ["send_channel_message", "list_channels"],
};

const env = useLocalApi({ demo: true });
const { call } = env;

describe("spec examples replay on a fresh demo database", () => {
  const created: Record<string, { id: string }> = {};
  it("list starts empty", async () => {
    const r = await call("GET", `/api/v1/workspaces/${WS}/integrations`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ integrations: [], total: 0 });
  });

  for (const ex of SPEC_CREATES) {
    it(`POST ${ex.name} → 201`, async () => {
      const r = await call("POST", `/api/v1/workspaces/${WS}/integrations`, ex.body);
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      const i = r.body.integration;
      expect(i.integrationName).toBe(ex.body.integrationName);
      expect(i.alias).toBe(ex.body.alias ?? ex.body.integrationName);
      created[i.alias] = i;
    });
  }

  it("the create response matches the spec's example shape", async () => {
    const i = created.team_slack as Record<string, unknown>;
    expect(i).toMatchObject({
      workspaceId: WS,
      orgId: "550e8400-e29b-41d4-a716-446655440000",
      integrationName: "slack",
      alias: "team_slack",
      displayName: "Team Slack",
      connectionStrategy: "fixed",
      connectionId: "c1d2e3f4-5678-90ab-cdef-1234567890ab",
      enabledActions: ["send_channel_message", "list_channels"],
      settings: {},
      sortOrder: 0,
    });
    expect(created.advanced_code).toMatchObject({
      settings: {
        advancedCode: {
          timeoutSeconds: 45,
          sandboxPersistence: "persistent",
          storageMountScope: "workspace",
        },
      },
    });
  });

  it("list shows the spec's connection fields", async () => {
    const r = await call("GET", `/api/v1/workspaces/${WS}/integrations`);
    expect(r.body.total).toBe(SPEC_CREATES.length);
    const team = r.body.integrations.find((i: { alias: string }) => i.alias === "team_slack");
    expect(team).toMatchObject({
      connectionStatus: "ACTIVE",
      connectionDisplayName: "Slack Bot",
      connectionExternalId: "slack_bot",
    });
  });

  it("PATCH example → 200 with the spec's fields", async () => {
    const id = (created.team_slack as { id: string }).id;
    const r = await call("PATCH", `/api/v1/workspaces/${WS}/integrations/${id}`, SPEC_PATCH);
    expect(r.status).toBe(200);
    expect(r.body.integration).toMatchObject({
      id,
      alias: "team_slack",
      displayName: "Team Slack",
      connectionStrategy: "per_user_with_fallback",
      connectionId: "c1d2e3f4-5678-90ab-cdef-1234567890ab",
      enabledActions: ["send_channel_message", "list_channels"],
      sortOrder: 0,
    });
  });

  it("DELETE example → 200 {deleted, id}", async () => {
    const id = (created.team_slack as { id: string }).id;
    const r = await call("DELETE", `/api/v1/workspaces/${WS}/integrations/${id}`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ deleted: true, id });
  });

  it("each create example also succeeds alone on its own fresh database", async () => {
    for (const ex of SPEC_CREATES) {
      const fresh = await startTestLocalApi({ demo: true });
      const r = await client(fresh.url, fresh.apiKey)(
        "POST",
        `/api/v1/workspaces/${WS}/integrations`,
        ex.body,
      );
      await fresh.close();
      expect(r.status, ex.name).toBe(201);
    }
  });
});
