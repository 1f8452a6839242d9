import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEMO_WS, setup } from "../helpers/mcp.js";

/**
 * Issue 23.1: the confirmation of apply_workspace_plan must cover exactly the steps that run.
 * A plan sent back whole (`plan`) is caller data: its desired state, prune flag and steps can
 * all be edited. These drive the real server through the SDK client, without elicitation, so
 * every destructive apply needs a preview token.
 */
describe("apply_workspace_plan runs only what was confirmed", () => {
  let env: Awaited<ReturnType<typeof setup>>;
  const aliases = async () =>
    (
      (await env.call("list_workspace_integrations", { workspaceId: DEMO_WS }))
        .structuredContent as any
    ).integrations
      .map((i: any) => `${i.alias}:${i.connectionStrategy}`)
      .sort();

  /** A plan_workspace result for the demo workspace. */
  const planFor = async (args: Record<string, unknown>) =>
    (await env.call("plan_workspace", { workspaceId: DEMO_WS, ...args })).structuredContent as any;

  /** Both integrations present (an earlier test, before the fix, may have deleted them). */
  const seed = async () => {
    const have = new Set((await aliases()).map((a: string) => a.split(":")[0]));
    for (const [alias, integrationName, connectionStrategy] of [
      ["mail", "gmail", "per_user"],
      ["notes", "kv-store", "fixed"],
    ] as const) {
      if (have.has(alias)) continue;
      const r = await env.call("create_workspace_integration", {
        workspaceId: DEMO_WS,
        alias,
        integrationName,
        connectionStrategy,
      });
      expect(r.isError, env.text(r)).toBeFalsy();
    }
  };

  beforeAll(async () => {
    env = await setup();
  });
  beforeEach(seed);
  afterAll(() => env.close());

  it("refuses a plan of no steps sent back with prune: true (nothing deleted, nobody asked)", async () => {
    const before = await aliases();
    const plan = await planFor({ integrations: {} });
    expect(plan.steps).toEqual([]);
    expect(plan.unmanaged).toHaveLength(2);
    const forged = { ...plan, desired: { ...plan.desired, prune: true } };
    const r = await env.call("apply_workspace_plan", { plan: forged });
    expect(r.isError, env.text(r)).toBe(true);
    expect(env.text(r)).toMatch(/^Error /);
    expect(env.text(r)).toMatch(/nothing was applied/);
    expect(await aliases()).toEqual(before);
    // Nor with prune: true on the plan as well (the fields agree, the steps still do not).
    const both = await env.call("apply_workspace_plan", {
      plan: { ...forged, prune: true },
    });
    expect(both.isError).toBe(true);
    expect(await aliases()).toEqual(before);
  });

  it("refuses a plan whose desired connectionStrategy was changed after planning", async () => {
    const before = await aliases();
    const plan = await planFor({
      integrations: {
        mail: { integrationName: "gmail", connectionStrategy: "per_user" },
        notes: { integrationName: "kv-store" },
      },
    });
    expect(plan.steps).toEqual([]);
    const forged = structuredClone(plan);
    forged.desired.integrations.notes.connectionStrategy = "per_user";
    const r = await env.call("apply_workspace_plan", { plan: forged });
    expect(r.isError, env.text(r)).toBe(true);
    expect(await aliases()).toEqual(before);
  });

  it("refuses a destructive plan whose steps were removed so that nothing asks first", async () => {
    const before = await aliases();
    const plan = await planFor({ prune: true, integrations: {} });
    expect(plan.steps).toHaveLength(2);
    const forged = { ...plan, steps: [], destructive: false };
    const r = await env.call("apply_workspace_plan", { plan: forged });
    expect(r.isError, env.text(r)).toBe(true);
    expect(env.text(r)).toMatch(/the plan was edited/);
    expect(await aliases()).toEqual(before);
  });

  it("a token confirmed for one plan does not carry over to a plan with an edited desired state", async () => {
    const before = await aliases();
    // An honest destructive plan: delete "notes" (prune), keep "mail".
    const plan = await planFor({
      prune: true,
      integrations: { mail: { integrationName: "gmail", connectionStrategy: "per_user" } },
    });
    expect(plan.steps.map((s: any) => `${s.action} ${s.alias}`)).toEqual(["delete notes"]);
    const preview = await env.call("apply_workspace_plan", { plan });
    const token = preview.structuredContent?.confirm;
    expect(typeof token).toBe("string");
    // The same steps shown, but the desired state now also drops "mail".
    const forged = structuredClone(plan);
    forged.desired.integrations = {};
    const r = await env.call("apply_workspace_plan", { plan: forged, confirm: token });
    expect(r.isError, env.text(r)).toBe(true);
    expect(await aliases()).toEqual(before);
    // The honest plan with its own token still applies, and deletes exactly what was shown.
    const ok = await env.call("apply_workspace_plan", { plan, confirm: token });
    expect(ok.isError, env.text(ok)).toBeFalsy();
    expect(await aliases()).toEqual(["mail:per_user"]);
  });
});
