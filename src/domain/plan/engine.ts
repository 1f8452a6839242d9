// Owns computePlan: a desired state against the live workspace, as an ordered, checked plan.
import { randomBytes } from "node:crypto";
import type { CatalogIndex } from "../catalog-index.js";
import {
  checkIntegrationRules,
  createIntegrationDraft,
  type IntegrationConfig,
  integrationConfigOf,
} from "../integration-rules.js";
import { deepEqual } from "../json.js";
import { fingerprintLiveState } from "./fingerprint.js";
import { matchIntegrations } from "./match.js";
import type { DesiredState, LiveState, Plan, PlanIssue, PlanStep } from "./model.js";
import { buildSteps, toStep } from "./steps.js";
import { orderSteps } from "./swaps.js";
import { wordViolation } from "./wording.js";

/** Options of {@link computePlan}. */
export interface PlanOptions {
  /** Overrides the random plan id (tests). */
  planId?: string;
}

/**
 * Diffs a desired state against the live workspace: ordered write steps, what is unchanged
 * or unmanaged, and every problem the API would reject, found before any write. Pure.
 */
export function computePlan(
  desired: DesiredState,
  live: LiveState,
  catalog: CatalogIndex,
  opts: PlanOptions = {},
): Plan {
  const issues: PlanIssue[] = [];
  const liveByAlias = new Map(live.integrations.map((i) => [i.alias, i]));
  const entries = Object.entries(desired.integrations);
  const desiredAliases = new Set(entries.map(([a]) => a));

  const connections = new Map(live.connections.map((c) => [c.id, c]));
  const ruleCtx = {
    catalog,
    workspaceId: live.workspaceId,
    connection: (id: string) => connections.get(id),
    bearerServers: () => live.bearerServers,
  };

  // 1. Match desired entries to live integrations: completed renames, then renames, then by
  //    alias.
  const { pairs, creates, unmanaged, deletes } = matchIntegrations(desired, live, ruleCtx, issues);

  // 2. Check every desired entry against the rules; compute the config each should end with.
  const finalConfig = new Map<string, IntegrationConfig>();
  for (const [alias, d] of entries) {
    const draft = createIntegrationDraft({ ...d, alias });
    const outcome = checkIntegrationRules(draft, ruleCtx);
    if (outcome.ok) finalConfig.set(alias, outcome.config);
    else {
      const pair = pairs.find((p) => p.alias === alias);
      for (const v of outcome.violations) {
        // The bearer rule bites only on a write; an untouched integration is not re-checked.
        if (v.rule === "BEARER_BLOCKS_PER_USER" && pair) {
          const relaxed = checkIntegrationRules(draft, {
            ...ruleCtx,
            bearerServers: () => [],
          });
          if (relaxed.ok && deepEqual(integrationConfigOf(pair.live), relaxed.config)) {
            finalConfig.set(alias, relaxed.config);
            continue;
          }
        }
        issues.push(wordViolation(alias, v, live.connections, live.workspaceId));
      }
    }
  }

  // 3. Steps: creates, updates (renames through a temporary alias when they form a cycle),
  //    deletes; ordered so that no alias is taken while another integration still holds it.
  const usedAliases = new Set([...liveByAlias.keys(), ...desiredAliases]);
  const { steps, unchanged, renames } = buildSteps(
    pairs,
    creates,
    deletes,
    finalConfig,
    ruleCtx,
    live,
    issues,
  );
  const ordered = orderSteps(steps, renames, usedAliases);

  const numbered: PlanStep[] = issues.length > 0 ? [] : ordered.map(toStep);
  const counts = {
    create: numbered.filter((s) => s.action === "create").length,
    update: new Set(numbered.filter((s) => s.action === "update").map((s) => s.id)).size,
    delete: numbered.filter((s) => s.action === "delete").length,
    unchanged: unchanged.length,
    unmanaged: unmanaged.length,
  };
  return {
    planId: opts.planId ?? `plan_${randomBytes(9).toString("hex")}`,
    workspaceId: desired.workspaceId,
    fingerprint: fingerprintLiveState(live, desired),
    prune: desired.prune,
    steps: numbered,
    unchanged,
    unmanaged: unmanaged.map((u) => ({
      alias: u.alias,
      id: u.id,
      integrationName: u.integrationName,
    })),
    issues,
    counts,
    destructive: numbered.some((s) => s.destructive),
    desired,
  };
}
