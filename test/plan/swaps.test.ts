/**
 * Issue 23.3: alias swaps and rotations (renamedFrom) converge: after one apply the plan is
 * empty and applying again changes nothing; a swap interrupted after any step (as by kill -9)
 * is finished from its temporary alias, never by creating a new integration. Through the SDK
 * client against our server and the real local API; an interruption is made by running the
 * plan's first steps one by one through the API, as the apply would have.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEMO_WS, setup } from "../helpers/mcp.js";

type Env = Awaited<ReturnType<typeof setup>>;
let env: Env;
beforeEach(async () => {
  env = await setup();
});
afterEach(() => env.close());

/** alias → [id, displayName] of every integration now. */
async function state(): Promise<Record<string, [string, string | null]>> {
  const r = await env.api.listWorkspaceIntegrations(DEMO_WS);
  return Object.fromEntries(r.integrations.map((i) => [i.alias, [i.id, i.displayName]]));
}

async function seed(aliases: string[]): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const alias of aliases) {
    const r = await env.api.createWorkspaceIntegration(DEMO_WS, {
      integrationName: "kv-store",
      alias,
      displayName: alias.toUpperCase(),
    });
    ids[alias] = r.integration.id;
  }
  return ids;
}

/** A desired state where each alias takes the integration (and name) of its source. */
const rotation = (moves: Record<string, string>) => ({
  workspaceId: DEMO_WS,
  integrations: Object.fromEntries(
    Object.entries(moves).map(([to, from]) => [
      to,
      { integrationName: "kv-store", displayName: from.toUpperCase(), renamedFrom: from },
    ]),
  ),
});

async function planOf(desired: unknown) {
  const r = await env.call("plan_workspace", desired as Record<string, unknown>);
  expect(r.isError, env.text(r)).toBeFalsy();
  return r.structuredContent as any;
}

describe("swaps and rotations converge", () => {
  for (const [name, moves] of [
    ["a swap", { a: "b", b: "a" }],
    ["a rotation of three", { a: "c", b: "a", c: "b" }],
  ] as const) {
    it(`${name}: one apply, then the plan is empty and a re-apply changes nothing`, async () => {
      const ids = await seed(Object.keys(moves));
      const desired = rotation(moves);
      const plan = await planOf(desired);
      expect(plan.steps.length).toBeGreaterThan(0);
      const applied = await env.call("apply_workspace_plan", { planId: plan.planId });
      expect(applied.structuredContent?.status, env.text(applied)).toBe("applied");
      const after = await state();
      for (const [to, from] of Object.entries(moves)) {
        expect(after[to]).toEqual([ids[from], from.toUpperCase()]);
      }
      const again = await planOf(desired);
      expect(again.steps).toEqual([]);
      expect(again.unchanged.sort()).toEqual(Object.keys(moves).sort());
      const reapply = await env.call("apply_workspace_plan", { planId: plan.planId });
      expect(reapply.structuredContent?.status, env.text(reapply)).toBe("nothing_to_do");
      expect(await state()).toEqual(after);
    });
  }

  it("a swap interrupted after each of its steps is finished from its temporary alias", async () => {
    const moves = { a: "b", b: "a" };
    const desired = rotation(moves);
    for (let stop = 1; stop <= 2; stop++) {
      for (const alias of Object.keys(await state())) {
        const { integrations } = await env.api.listWorkspaceIntegrations(DEMO_WS);
        const id = integrations.find((i) => i.alias === alias)?.id as string;
        await env.api.deleteWorkspaceIntegration(DEMO_WS, id);
      }
      const ids = await seed(["a", "b"]);
      const plan = await planOf(desired);
      expect(plan.steps.some((s: any) => s.temporary)).toBe(true);
      // The apply died (kill -9) after `stop` steps.
      for (const step of plan.steps.slice(0, stop)) {
        await env.api.updateWorkspaceIntegration(DEMO_WS, step.id, step.request);
      }
      expect(Object.keys(await state()).some((a) => a.endsWith("-tmp"))).toBe(true);
      const resumed = await planOf(desired);
      expect(resumed.issues).toEqual([]);
      expect(resumed.steps.filter((s: any) => s.action !== "update")).toEqual([]);
      const applied = await env.call("apply_workspace_plan", { planId: resumed.planId });
      expect(applied.isError, env.text(applied)).toBeFalsy();
      const after = await state();
      expect(after).toEqual({ a: [ids.b, "B"], b: [ids.a, "A"] });
      expect((await planOf(desired)).steps).toEqual([]);
    }
  });
});
