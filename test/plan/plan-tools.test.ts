import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_WS, setup } from "../helpers/mcp.js";

/** The spec's own examples as one desired state; connections are the demo data's. */
const SPEC_STATE = {
  workspaceId: DEMO_WS,
  integrations: {
    slack_bot: {
      integrationName: "slack",
      connectionStrategy: "fixed",
      connectionId: "conn_slack_bot",
    },
    slack_user: { integrationName: "slack", connectionStrategy: "per_user" },
    openai: {
      integrationName: "openai",
      connectionStrategy: "fixed",
      connectionId: "conn_org_openai",
    },
    gmail: { integrationName: "gmail", connectionStrategy: "per_user" },
    advanced_code: {
      integrationName: "advanced-code",
      settings: {
        advancedCode: {
          timeoutSeconds: 45,
          sandboxPersistence: "persistent",
          storageMountScope: "workspace",
        },
      },
    },
    workspace_kv: {
      integrationName: "kv-store",
      settings: { persistence: { scope: "workspace" } },
    },
  },
};

describe("plan_workspace / apply_workspace_plan through the SDK client", () => {
  let env: Awaited<ReturnType<typeof setup>>;
  beforeAll(async () => {
    env = await setup();
  });
  afterAll(() => env.close());

  it("plans the spec's examples, applies them with progress, and a re-plan is empty", async () => {
    const planned = await env.call("plan_workspace", SPEC_STATE);
    expect(planned.isError, env.text(planned)).toBeFalsy();
    const plan = planned.structuredContent as any;
    expect(plan.issues).toEqual([]);
    expect(plan.counts).toMatchObject({ create: 6, update: 0, delete: 0 });
    expect(plan.steps.map((s: any) => `${s.action} ${s.alias}`)).toEqual([
      "create slack_bot",
      "create slack_user",
      "create openai",
      "create gmail",
      "create advanced_code",
      "create workspace_kv",
    ]);
    expect(env.text(planned)).toMatch(/\+ create workspace_kv \(kv-store\)/);
    expect(env.text(planned)).toMatch(
      new RegExp(`apply_workspace_plan with planId "${plan.planId}"`),
    );

    const progress: Array<{ progress: number; total?: number }> = [];
    const applied = (await env.client.callTool(
      { name: "apply_workspace_plan", arguments: { planId: plan.planId } },
      undefined,
      { onprogress: (p) => progress.push(p) },
    )) as any;
    expect(applied.isError, applied.content[0].text).toBeFalsy();
    expect(applied.structuredContent.status).toBe("applied");
    expect(applied.structuredContent.applied).toHaveLength(6);
    expect(progress.length).toBeGreaterThanOrEqual(6);
    expect(progress.at(-1)).toMatchObject({ progress: 6, total: 6 });

    const list = await env.call("list_workspace_integrations", { workspaceId: DEMO_WS });
    const byAlias = Object.fromEntries(
      (list.structuredContent as any).integrations.map((i: any) => [i.alias, i]),
    );
    expect(byAlias.advanced_code.settings.advancedCode).toEqual({
      timeoutSeconds: 45,
      sandboxPersistence: "persistent",
      storageMountScope: "workspace",
    });
    expect(byAlias.slack_user.connectionStrategy).toBe("per_user");

    // Same desired state again: nothing to do, and applying the old plan id is a no-op.
    const again = (await env.call("plan_workspace", SPEC_STATE)).structuredContent as any;
    expect(again.steps).toEqual([]);
    expect(again.unchanged).toHaveLength(6);
    const reapply = await env.call("apply_workspace_plan", { planId: plan.planId });
    expect(reapply.structuredContent?.status).toBe("nothing_to_do");
  });

  it("refuses a plan whose workspace changed since, and says to re-plan", async () => {
    const planned = await env.call("plan_workspace", {
      ...SPEC_STATE,
      integrations: {
        ...SPEC_STATE.integrations,
        openai: { ...SPEC_STATE.integrations.openai, displayName: "OpenAI" },
      },
    });
    const planId = (planned.structuredContent as any).planId;
    // An outside change: someone edits another integration directly.
    const outside = await env.call("update_workspace_integration", {
      workspaceId: DEMO_WS,
      alias: "gmail",
      displayName: "Mail",
    });
    expect(outside.isError).toBeFalsy();
    const r = await env.call("apply_workspace_plan", { planId });
    expect(r.isError).toBe(true);
    expect(env.text(r)).toMatch(/changed since plan/);
    expect(env.text(r)).toMatch(/re-plan with plan_workspace/);
    const list = await env.call("list_workspace_integrations", { workspaceId: DEMO_WS });
    const openai = (list.structuredContent as any).integrations.find(
      (i: any) => i.alias === "openai",
    );
    expect(openai.displayName).toBeNull();
  });

  it("finds what the API would reject at plan time, with closest matches, and apply refuses it", async () => {
    const r = await env.call("plan_workspace", {
      workspaceId: DEMO_WS,
      integrations: {
        a: { integrationName: "slak", connectionId: "conn_slack_bot" },
        b: {
          integrationName: "slack",
          connectionId: "conn_org_openai",
          enabledActions: ["send_channel_mesage"],
        },
        c: { integrationName: "kv-store", settings: { advancedCode: { timeoutSeconds: 5 } } },
        d: { integrationName: "slack" },
      },
    });
    expect(r.isError).toBeFalsy();
    const plan = r.structuredContent as any;
    const by = (alias: string, field: string) =>
      plan.issues.find((i: any) => i.alias === alias && i.field === field);
    expect(by("a", "integrationName").suggestions).toContain("slack");
    expect(by("b", "connectionId").rule).toBe("CONNECTION_WRONG_INTEGRATION");
    expect(by("b", "enabledActions").suggestions).toContain("send_channel_message");
    expect(by("c", "settings.advancedCode").message).toMatch(/kv-store takes: persistence/);
    expect(by("d", "connectionId").rule).toBe("CONNECTION_REQUIRED");
    expect(by("d", "connectionId").suggestions).toContain("conn_slack_bot");
    expect(plan.steps).toEqual([]);
    expect(env.text(r)).toMatch(/then call plan_workspace again/);
    const apply = await env.call("apply_workspace_plan", { plan });
    expect(apply.isError).toBe(true);
    expect(env.text(apply)).toMatch(/has problems; nothing was applied/);
  });

  it("rejects an unknown plan id and a missing selector with the next step", async () => {
    const r = await env.call("apply_workspace_plan", { planId: "plan_nope" });
    expect(r.isError).toBe(true);
    expect(env.text(r)).toMatch(/re-plan with plan_workspace/);
    const none = await env.call("apply_workspace_plan", {});
    expect(env.text(none)).toMatch(/exactly one of planId or plan/);
  });
});
