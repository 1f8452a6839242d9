/**
 * Confirmation of destructive changes (issue 9 #4), through real SDK clients against our real
 * server and the real local API: a 2025 client that can show forms is asked with a real
 * elicitation/create request; one that cannot gets a preview and a single-use token; a 2026
 * client gets an input_required result (MRTR) that the v2 client fulfils with its handler.
 */
import { StreamableHTTPClientTransport as ModernHttp } from "@modelcontextprotocol/client";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createWeavzClient } from "../../src/api/client.js";
import { silentLogger } from "../../src/log.js";
import { createServerFactory } from "../../src/mcp/server.js";
import type { HttpHandle } from "../../src/transports/http.js";
import { startTestLocalApi, type TestLocalApi } from "../helpers/local-api.js";
import {
  DEMO_WS,
  modernClient,
  SLACK_BOT_CONN,
  serveOverHttp,
  setup,
  textOf,
} from "../helpers/mcp.js";

/** Two integrations to delete: a fixed Slack bot and a KV store. */
async function seed(api: ReturnType<typeof createWeavzClient>) {
  await api.createWorkspaceIntegration(DEMO_WS, {
    integrationName: "slack",
    alias: "ops_slack",
    connectionStrategy: "fixed",
    connectionId: SLACK_BOT_CONN,
  });
  await api.createWorkspaceIntegration(DEMO_WS, {
    integrationName: "kv-store",
    alias: "advanced_code",
  });
}

type Env = Awaited<ReturnType<typeof setup>>;
const aliases = async (env: Env) =>
  (
    await env.call("list_workspace_integrations", { workspaceId: DEMO_WS })
  ).structuredContent?.integrations.map((i: { alias: string }) => i.alias) as string[];

/** The setup() of the test running now; set by useSeededEnv. */
let env: Env;
/** A fresh MCP setup with the seed integrations around each test of the calling describe. */
function useSeededEnv() {
  beforeEach(async () => {
    env = await setup();
    await seed(env.api);
  });
  afterEach(async () => {
    await env.close();
  });
}

describe("delete without elicitation: preview and confirm token", () => {
  useSeededEnv();

  it("previews first, deletes only when the token is echoed", async () => {
    const first = await env.call("delete_workspace_integration", {
      workspaceId: DEMO_WS,
      alias: "ops_slack",
    });
    expect(first.isError, textOf(first)).toBeFalsy();
    const sc = first.structuredContent as Record<string, any>;
    expect(sc.deleted).toBe(false);
    expect(sc.preview).toMatchObject({ alias: "ops_slack", integrationName: "slack" });
    expect(typeof sc.confirm).toBe("string");
    expect(textOf(first)).toMatch(/needs the user's confirmation[\s\S]*data-[0-9a-f]+/);
    expect(await aliases(env)).toContain("ops_slack");

    const ok = await env.call("delete_workspace_integration", {
      workspaceId: DEMO_WS,
      alias: "ops_slack",
      confirm: sc.confirm,
    });
    expect(ok.isError, textOf(ok)).toBeFalsy();
    expect(ok.structuredContent).toMatchObject({ deleted: true, id: sc.id });
    expect(await aliases(env)).not.toContain("ops_slack");

    // The same token again: refused (here by NOT_FOUND, the target being gone; the single-use
    // check itself is held by the apply_workspace_plan test below, whose inspection reads no
    // live state).
    const again = await env.call("delete_workspace_integration", {
      workspaceId: DEMO_WS,
      id: sc.id,
      confirm: sc.confirm,
    });
    expect(again.isError).toBe(true);
  });

  it("refuses a wrong, reused or foreign token and a token for a changed target", async () => {
    const a = (
      await env.call("delete_workspace_integration", { workspaceId: DEMO_WS, alias: "ops_slack" })
    ).structuredContent as Record<string, any>;
    const b = (
      await env.call("delete_workspace_integration", {
        workspaceId: DEMO_WS,
        alias: "advanced_code",
      })
    ).structuredContent as Record<string, any>;
    // Garbage and a tampered token.
    const bad = await env.call("delete_workspace_integration", {
      workspaceId: DEMO_WS,
      alias: "ops_slack",
      confirm: "v1.nope.nope",
    });
    expect(bad.isError).toBe(true);
    expect(textOf(bad)).toMatch(/CONFIRMATION_REFUSED[\s\S]*not valid[\s\S]*Nothing was changed/);
    const tampered = `${a.confirm.slice(0, -2)}${a.confirm.endsWith("A") ? "B" : "A"}A`;
    expect(
      (
        await env.call("delete_workspace_integration", {
          workspaceId: DEMO_WS,
          alias: "ops_slack",
          confirm: tampered,
        })
      ).isError,
    ).toBe(true);
    // b's token does not delete a.
    const cross = await env.call("delete_workspace_integration", {
      workspaceId: DEMO_WS,
      alias: "ops_slack",
      confirm: b.confirm,
    });
    expect(cross.isError).toBe(true);
    expect(textOf(cross)).toMatch(/different change/);
    // The target changes after the preview: a's token no longer fits.
    const upd = await env.call("update_workspace_integration", {
      workspaceId: DEMO_WS,
      alias: "ops_slack",
      displayName: "Renamed meanwhile",
    });
    expect(upd.isError, textOf(upd)).toBeFalsy();
    const stale = await env.call("delete_workspace_integration", {
      workspaceId: DEMO_WS,
      alias: "ops_slack",
      confirm: a.confirm,
    });
    expect(stale.isError).toBe(true);
    expect(textOf(stale)).toMatch(/changed since the preview/);
    expect(await aliases(env)).toEqual(expect.arrayContaining(["ops_slack", "advanced_code"]));
  });

  it("refuses a token minted by another server process", async () => {
    const a = (
      await env.call("delete_workspace_integration", { workspaceId: DEMO_WS, alias: "ops_slack" })
    ).structuredContent as Record<string, any>;
    const other = createServerFactory({ api: env.api, log: silentLogger }).newServer();
    const client = new Client({ name: "other", version: "1" });
    const [ct, st] = InMemoryTransport.createLinkedPair();
    await Promise.all([other.connect(st), client.connect(ct)]);
    const r = await client.callTool({
      name: "delete_workspace_integration",
      arguments: { workspaceId: DEMO_WS, alias: "ops_slack", confirm: a.confirm },
    });
    expect(r.isError).toBe(true);
    await client.close();
    expect(await aliases(env)).toContain("ops_slack");
  });
});

describe("apply_workspace_plan with destructive steps", () => {
  useSeededEnv();

  it("asks before a plan that deletes; the token applies exactly that plan, and never twice", async () => {
    const plan = await env.call("plan_workspace", {
      workspaceId: DEMO_WS,
      prune: true,
      integrations: { advanced_code: { integrationName: "kv-store" } },
    });
    expect(plan.isError, textOf(plan)).toBeFalsy();
    const planId = plan.structuredContent?.planId;
    const first = await env.call("apply_workspace_plan", { planId });
    expect(first.isError, textOf(first)).toBeFalsy();
    expect(first.structuredContent).toMatchObject({ status: "not_confirmed", applied: [] });
    expect(first.structuredContent?.preview.destructiveSteps).toEqual([
      expect.objectContaining({ action: "delete", alias: "ops_slack" }),
    ]);
    expect(await aliases(env)).toContain("ops_slack");
    const ok = await env.call("apply_workspace_plan", {
      planId,
      confirm: first.structuredContent?.confirm,
    });
    expect(ok.structuredContent?.status, textOf(ok)).toBe("applied");
    expect(await aliases(env)).not.toContain("ops_slack");
    // Replayed, by planId or whole: the inspection finds the same change (it reads the plan,
    // not the workspace), so only the per-process store's single-use record refuses it.
    for (const args of [{ planId }, { plan: plan.structuredContent }]) {
      const again = await env.call("apply_workspace_plan", {
        ...args,
        confirm: first.structuredContent?.confirm,
      });
      expect(again.isError, textOf(again)).toBe(true);
      expect(textOf(again)).toMatch(
        /CONFIRMATION_REFUSED: The confirm token was already used once/,
      );
    }
  });
});

describe("delete with a 2025 client that declares elicitation", () => {
  let local: TestLocalApi;
  let api: ReturnType<typeof createWeavzClient>;
  beforeEach(async () => {
    local = await startTestLocalApi({ demo: true });
    api = createWeavzClient({ baseUrl: local.url, apiKey: local.apiKey, log: silentLogger });
    await seed(api);
  });
  afterEach(async () => {
    await api.close();
    await local.close();
  });

  async function withAnswer(answer: {
    action: "accept" | "decline" | "cancel";
    content?: Record<string, unknown>;
  }) {
    const server = createServerFactory({ api, log: silentLogger }).newServer();
    const client = new Client(
      { name: "elicits", version: "1" },
      { capabilities: { elicitation: {} } },
    );
    const asked: string[] = [];
    client.setRequestHandler(ElicitRequestSchema, async (req) => {
      asked.push(req.params.message);
      return answer;
    });
    const [ct, st] = InMemoryTransport.createLinkedPair();
    await Promise.all([server.connect(st), client.connect(ct)]);
    const r = await client.callTool({
      name: "delete_workspace_integration",
      arguments: { workspaceId: DEMO_WS, alias: "ops_slack" },
    });
    const { integrations } = await api.listWorkspaceIntegrations(DEMO_WS);
    await client.close();
    return { r: r as any, asked, left: integrations.map((i) => i.alias) };
  }

  it("deletes when the user accepts", async () => {
    const { r, asked, left } = await withAnswer({ action: "accept", content: { confirm: true } });
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatch(/Delete the integration "ops_slack" \(slack/);
    expect(r.isError, textOf(r)).toBeFalsy();
    expect(r.structuredContent).toMatchObject({ deleted: true });
    expect(left).not.toContain("ops_slack");
  });

  it.each([
    ["declines", { action: "decline" as const }, /declined: nothing was changed/],
    ["cancels", { action: "cancel" as const }, /cancelled: nothing was changed/],
    ["accepts but unticks", { action: "accept" as const, content: { confirm: false } }, /declined/],
  ])("changes nothing when the user %s", async (_why, answer, said) => {
    const { r, left } = await withAnswer(answer);
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent).toMatchObject({ deleted: false });
    expect(r.structuredContent.confirm).toBeUndefined();
    expect(textOf(r)).toMatch(said);
    expect(left).toContain("ops_slack");
  });
});

describe("delete with a 2026 client (input_required, MRTR)", () => {
  let local: TestLocalApi;
  let api: ReturnType<typeof createWeavzClient>;
  let http: HttpHandle;
  beforeEach(async () => {
    local = await startTestLocalApi({ demo: true });
    api = createWeavzClient({ baseUrl: local.url, apiKey: local.apiKey, log: silentLogger });
    await seed(api);
    const factory = createServerFactory({ api, log: silentLogger });
    http = await serveOverHttp(factory);
  });
  afterEach(async () => {
    await http.close();
    await api.close();
    await local.close();
  });

  async function modern(answer?: {
    action: "accept" | "decline" | "cancel";
    content?: Record<string, boolean>;
  }) {
    const client = modernClient(
      "modern",
      "1",
      answer ? { capabilities: { elicitation: { form: {} } } } : {},
    );
    const asked: string[] = [];
    if (answer) {
      client.setRequestHandler("elicitation/create", async (req: any) => {
        asked.push(req.params.message);
        return answer;
      });
    }
    await client.connect(new ModernHttp(new URL(http.url)));
    return { client, asked };
  }
  const left = async () =>
    (await api.listWorkspaceIntegrations(DEMO_WS)).integrations.map((i) => i.alias);

  it("asks through input_required and deletes when accepted", async () => {
    const { client, asked } = await modern({ action: "accept", content: { confirm: true } });
    const r: any = await client.callTool({
      name: "delete_workspace_integration",
      arguments: { workspaceId: DEMO_WS, alias: "ops_slack" },
    });
    await client.close();
    expect(asked).toHaveLength(1);
    expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
    expect(r.structuredContent).toMatchObject({ deleted: true });
    expect(await left()).not.toContain("ops_slack");
  });

  it("changes nothing when declined", async () => {
    const { client } = await modern({ action: "decline" });
    const r: any = await client.callTool({
      name: "delete_workspace_integration",
      arguments: { workspaceId: DEMO_WS, alias: "ops_slack" },
    });
    await client.close();
    expect(r.structuredContent).toMatchObject({ deleted: false });
    expect(r.content[0].text).toMatch(/declined: nothing was changed/);
    expect(await left()).toContain("ops_slack");
  });

  it("falls back to the token when the client has no elicitation", async () => {
    const { client } = await modern();
    const first: any = await client.callTool({
      name: "delete_workspace_integration",
      arguments: { workspaceId: DEMO_WS, alias: "ops_slack" },
    });
    expect(first.structuredContent.deleted).toBe(false);
    const ok: any = await client.callTool({
      name: "delete_workspace_integration",
      arguments: {
        workspaceId: DEMO_WS,
        alias: "ops_slack",
        confirm: first.structuredContent.confirm,
      },
    });
    await client.close();
    expect(ok.structuredContent).toMatchObject({ deleted: true });
    expect(await left()).not.toContain("ops_slack");
  });
});
