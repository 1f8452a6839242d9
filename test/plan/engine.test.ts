import { describe, expect, it } from "vitest";
import {
  computePlan,
  type DesiredStateInput,
  DesiredStateSchema,
  type LiveIntegration,
  type LiveState,
  type Plan,
} from "../../src/domain/plan/index.js";
import { loadCatalog } from "../../src/local/catalog.js";

const WS = "ws_1";
const catalog = loadCatalog();

function live(...integrations: Array<Partial<LiveIntegration> & { alias: string }>): LiveState {
  return {
    workspaceId: WS,
    integrations: integrations.map((i, n) => ({
      id: `id_${i.alias}`,
      integrationName: "kv-store",
      displayName: null,
      connectionStrategy: "fixed",
      connectionId: null,
      enabledActions: null,
      settings: {},
      sortOrder: 0,
      ...i,
      ...(n < 0 ? {} : {}),
    })),
    connections: [
      { id: "conn_slack_bot", integrationName: "slack", displayName: "Slack Bot" },
      { id: "conn_org_openai", integrationName: "openai" },
    ],
    bearerServers: [],
  };
}

function plan(
  state: LiveState,
  integrations: DesiredStateInput["integrations"],
  prune = false,
): Plan {
  const desired = DesiredStateSchema.parse({ workspaceId: WS, prune, integrations });
  return computePlan(desired, state, catalog, { planId: "plan_test" });
}

/**
 * Runs the steps against a model of the workspace's unique aliases: every step must find its
 * target alias free (what the API's DUPLICATE check enforces) and the end state must be the
 * desired one. Returns the aliases by id at the end.
 */
function simulate(state: LiveState, p: Plan): Map<string, string> {
  const byId = new Map(state.integrations.map((i) => [i.id, i.alias]));
  let created = 0;
  for (const s of p.steps) {
    const taken = new Set(byId.values());
    if (s.action === "delete") {
      expect(byId.has(s.id as string), `step ${s.n}`).toBe(true);
      byId.delete(s.id as string);
    } else if (s.action === "create") {
      expect(taken.has(s.alias), `step ${s.n}: create ${s.alias} collides`).toBe(false);
      byId.set(`new_${created++}`, s.alias);
    } else {
      const to = (s.request as { alias?: string }).alias;
      if (to !== undefined) {
        expect(
          taken.has(to) && byId.get(s.id as string) !== to,
          `step ${s.n}: rename to ${to} collides`,
        ).toBe(false);
        byId.set(s.id as string, to);
      }
    }
  }
  return byId;
}

describe("plan engine: ordering", () => {
  it("swaps two aliases through a temporary one, never colliding", () => {
    const state = live({ alias: "a", displayName: "A" }, { alias: "b", displayName: "B" });
    const p = plan(state, {
      a: { integrationName: "kv-store", displayName: "B", renamedFrom: "b" },
      b: { integrationName: "kv-store", displayName: "A", renamedFrom: "a" },
    });
    expect(p.issues).toEqual([]);
    expect(p.steps).toHaveLength(3);
    expect(p.steps.filter((s) => s.temporary)).toHaveLength(1);
    expect(p.counts.update).toBe(2);
    const end = simulate(state, p);
    expect(end.get("id_a")).toBe("b");
    expect(end.get("id_b")).toBe("a");
  });

  it("breaks a three-way rotation and orders a chain without a temporary alias", () => {
    const state = live(
      { alias: "a", displayName: "A" },
      { alias: "b", displayName: "B" },
      { alias: "c", displayName: "C" },
    );
    const rot = plan(state, {
      b: { integrationName: "kv-store", displayName: "A", renamedFrom: "a" },
      c: { integrationName: "kv-store", displayName: "B", renamedFrom: "b" },
      a: { integrationName: "kv-store", displayName: "C", renamedFrom: "c" },
    });
    expect(rot.steps).toHaveLength(4);
    const end = simulate(state, rot);
    expect([end.get("id_a"), end.get("id_b"), end.get("id_c")]).toEqual(["b", "c", "a"]);

    // a → b while b → c and a new "a" is created: c first, then b, then the create.
    const chain = plan(state, {
      a: { integrationName: "kv-store" },
      b: { integrationName: "kv-store", displayName: "A", renamedFrom: "a" },
      x: { integrationName: "kv-store", displayName: "B", renamedFrom: "b" },
      c: { integrationName: "kv-store", displayName: "C" },
    });
    expect(chain.issues).toEqual([]);
    expect(chain.steps.some((s) => s.temporary)).toBe(false);
    simulate(state, chain);
    expect(chain.steps.map((s) => `${s.action} ${s.alias}`)).toEqual([
      "update x",
      "update b",
      "create a",
    ]);
  });

  it("deletes first only what a rename needs; other deletes run last", () => {
    const state = live({ alias: "a" }, { alias: "old" }, { alias: "spare" });
    const p = plan(
      state,
      {
        old: { integrationName: "kv-store", renamedFrom: "a" },
        fresh: { integrationName: "kv-store" },
      },
      true,
    );
    expect(p.issues).toEqual([]);
    expect(p.steps.map((s) => `${s.action} ${s.alias}`)).toEqual([
      "delete old",
      "update old",
      "create fresh",
      "delete spare",
    ]);
    simulate(state, p);
    expect(p.destructive).toBe(true);
  });

  it("a swap of identical configurations counts as done: it would change only ids", () => {
    const p = plan(live({ alias: "a" }, { alias: "b" }), {
      a: { integrationName: "kv-store", renamedFrom: "b" },
      b: { integrationName: "kv-store", renamedFrom: "a" },
    });
    expect(p.steps).toEqual([]);
    expect(p.unchanged.sort()).toEqual(["a", "b"]);
  });

  it("re-planning after a rename matches by the new alias (renamedFrom is then a no-op)", () => {
    const p = plan(live({ alias: "b" }), { b: { integrationName: "kv-store", renamedFrom: "a" } });
    expect(p.steps).toEqual([]);
    expect(p.unchanged).toEqual(["b"]);
  });
});

describe("plan engine: problems found before any write", () => {
  it("an alias held by an unmanaged integration clashes unless prune deletes it", () => {
    const state = live(
      { alias: "a" },
      { alias: "b", integrationName: "slack", connectionId: "conn_slack_bot" },
    );
    const p = plan(state, { b: { integrationName: "kv-store", renamedFrom: "a" } });
    expect(p.issues.map((i) => i.rule)).toEqual(["ALIAS_CLASH"]);
    expect(p.issues[0]?.message).toMatch(/prune: true/);
    const pruned = plan(state, { b: { integrationName: "kv-store", renamedFrom: "a" } }, true);
    expect(pruned.issues).toEqual([]);
    expect(pruned.steps.map((s) => `${s.action} ${s.alias}`)).toEqual(["delete b", "update b"]);
  });

  it("an integrationName cannot change under an alias; renames of one source clash", () => {
    const state = live({ alias: "a" });
    expect(plan(state, { a: { integrationName: "datetime" } }).issues[0]?.rule).toBe(
      "INTEGRATION_NAME_CHANGE",
    );
    const twice = plan(state, {
      b: { integrationName: "kv-store", renamedFrom: "a" },
      c: { integrationName: "kv-store", renamedFrom: "a" },
    });
    expect(twice.issues.map((i) => i.rule)).toContain("ALIAS_CLASH");
    expect(
      plan(state, { c: { integrationName: "kv-store", renamedFrom: "zz" } }).issues[0]?.rule,
    ).toBe("RENAME_SOURCE_MISSING");
  });

  it("applies MCP_BEARER_BLOCKS_PER_USER to writes only", () => {
    const state = {
      ...live({ alias: "mail", integrationName: "gmail", connectionStrategy: "per_user" as const }),
    };
    state.bearerServers = [{ id: "srv_1", name: "Bot" }];
    const untouched = plan(state, {
      mail: { integrationName: "gmail", connectionStrategy: "per_user" },
    });
    expect(untouched.issues).toEqual([]);
    const blocked = plan(state, {
      mail: { integrationName: "gmail", connectionStrategy: "per_user", displayName: "Mail" },
      slack: { integrationName: "slack", connectionStrategy: "per_user" },
    });
    expect(blocked.issues.map((i) => `${i.alias} ${i.rule}`).sort()).toEqual([
      "mail BEARER_BLOCKS_PER_USER",
      "slack BEARER_BLOCKS_PER_USER",
    ]);
    expect(blocked.issues[0]?.message).toMatch(/"Bot" \(srv_1\).*per_user_with_fallback/);
  });

  it("marks strategy changes destructive, diffs field by field, and cannot unpin by update", () => {
    const state = live({ alias: "s", integrationName: "slack", connectionId: "conn_slack_bot" });
    const p = plan(state, {
      s: {
        integrationName: "slack",
        connectionStrategy: "per_user",
        enabledActions: ["list_channels"],
      },
    });
    expect(p.steps[0]).toMatchObject({
      action: "update",
      destructive: true,
      request: { connectionStrategy: "per_user", enabledActions: ["list_channels"] },
    });
    expect(p.steps[0]?.changes).toEqual([
      { field: "connectionStrategy", before: "fixed", after: "per_user" },
      { field: "connectionId", before: "conn_slack_bot", after: null },
      { field: "enabledActions", before: null, after: ["list_channels"] },
    ]);
    const kv = live({ alias: "k", connectionId: "conn_slack_bot" });
    expect(plan(kv, { k: { integrationName: "kv-store" } }).issues[0]?.rule).toBe(
      "CONNECTION_CLEAR",
    );
  });

  it("fingerprints the live state, not the time: same state same print, any edit a new one", () => {
    const a = plan(live({ alias: "a" }), { a: { integrationName: "kv-store" } });
    const b = plan(live({ alias: "a" }), { a: { integrationName: "kv-store" } });
    const c = plan(live({ alias: "a", sortOrder: 3 }), { a: { integrationName: "kv-store" } });
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(c.fingerprint).not.toBe(a.fingerprint);
  });
});
