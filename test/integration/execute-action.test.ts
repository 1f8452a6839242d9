import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_WS, SLACK_BOT_CONN, setup } from "../helpers/mcp.js";

let env: Awaited<ReturnType<typeof setup>>;

beforeAll(async () => {
  env = await setup({ defaultWorkspaceId: DEMO_WS });
});
afterAll(async () => {
  await env.close();
});

describe("execute_action through a real MCP client", () => {
  it("is listed with honest annotations", async () => {
    const { tools } = await env.client.listTools();
    const t = tools.find((x) => x.name === "execute_action");
    expect(t?.annotations).toMatchObject({
      readOnlyHint: false,
      destructiveHint: true,
      idempotentHint: false,
      openWorldHint: true,
    });
  });

  it("kv-store put then get, replayed by idempotencyKey", async () => {
    const created = await env.call("create_workspace_integration", {
      integrationName: "kv-store",
      alias: "notes",
      settings: { persistence: { scope: "workspace" } },
    });
    expect(created.isError, env.text(created)).toBeFalsy();
    const put = await env.call("execute_action", {
      integrationName: "kv-store",
      actionName: "add_to_list",
      alias: "notes",
      input: { key: "todo", value: "milk" },
      idempotencyKey: "once",
    });
    expect(put.isError, env.text(put)).toBeFalsy();
    expect(put.structuredContent).toMatchObject({ success: true, output: { value: ["milk"] } });
    const again = await env.call("execute_action", {
      integrationName: "kv-store",
      actionName: "add_to_list",
      alias: "notes",
      input: { key: "todo", value: "milk" },
      idempotencyKey: "once",
    });
    expect(again.structuredContent?.output).toEqual(put.structuredContent?.output);
    const get = await env.call("execute_action", {
      integrationName: "kv-store",
      actionName: "get",
      alias: "notes",
      input: { key: "todo" },
    });
    expect(get.structuredContent?.output).toEqual({ key: "todo", value: ["milk"], found: true });
    // JSON text is still taken for the object (older clients were told to send it).
    const asText = await env.call("execute_action", {
      integrationName: "kv-store",
      actionName: "get",
      alias: "notes",
      input: '{"key": "todo"}',
    });
    expect(asText.structuredContent?.output).toEqual(get.structuredContent?.output);
    expect(env.text(get)).toMatch(/^Ran kv-store\.get via "notes" in [\d.]+ ms\./);
  });

  it("CONNECTION_REQUIRED names the tools that fix it", async () => {
    const created = await env.call("create_workspace_integration", {
      integrationName: "github",
      alias: "gh_users",
      connectionStrategy: "per_user",
    });
    expect(created.isError, env.text(created)).toBeFalsy();
    const r = await env.call("execute_action", {
      integrationName: "github",
      actionName: (await firstAction("github")) as string,
      alias: "gh_users",
      endUserId: "u-1",
      input: {},
    });
    expect(r.isError).toBe(true);
    const text = env.text(r);
    // Input is checked after resolution: the missing connection is reported first.
    expect(text).toContain("CONNECTION_REQUIRED");
    expect(text).toContain("update_workspace_integration");
    expect(text).toContain("per_user_with_fallback");
    expect(text).toContain("list_connections");
  });

  it("third-party actions name the connection that would have been used", async () => {
    const created = await env.call("create_workspace_integration", {
      integrationName: "slack",
      alias: "team_slack",
      connectionId: SLACK_BOT_CONN,
    });
    expect(created.isError, env.text(created)).toBeFalsy();
    const r = await env.call("execute_action", {
      integrationName: "slack",
      actionName: "send_channel_message",
      alias: "team_slack",
      input: { channel: "C1", text: "hi" },
    });
    expect(r.isError).toBe(true);
    // Its own code heads it (not INVALID_ARGUMENTS), and the connection is named by its id,
    // as list_connections shows it.
    expect(env.text(r)).toMatch(/^Error INTEGRATION_UNAVAILABLE: .*\(HTTP 501\)/);
    expect(env.text(r)).toContain("WEAVZ_API_KEY");
    expect(env.text(r)).toContain(`connection ${SLACK_BOT_CONN} ("Slack Bot", fixed)`);
  });

  it("input errors list each field; a failing code action reports its error", async () => {
    const bad = await env.call("execute_action", {
      integrationName: "kv-store",
      actionName: "put",
      alias: "notes",
      input: { value: 1, nope: true },
    });
    expect(bad.isError).toBe(true);
    expect(env.text(bad)).toContain("input.key");
    expect(env.text(bad)).toContain("input.nope");
    await env.call("create_workspace_integration", { integrationName: "code" });
    const thrown = await env.call("execute_action", {
      integrationName: "code",
      actionName: "run_code",
      input: { code: "console.log('step 1'); throw new Error('boom')" },
    });
    expect(thrown.isError).toBe(true);
    expect(env.text(thrown)).toContain("ACTION_FAILED");
    expect(env.text(thrown)).toContain("Error: boom");
    expect(env.text(thrown)).toContain("step 1");
  });
});

async function firstAction(name: string): Promise<string | undefined> {
  const { integration } = await env.api.getCatalogIntegration(name);
  return integration.actions[0]?.name;
}
