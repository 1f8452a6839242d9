// Owns matching desired entries to live integrations: completed swaps, renames, then aliases.
import { closestNames } from "../catalog-index.js";
import {
  checkIntegrationRules,
  createIntegrationDraft,
  integrationConfigOf,
  type RuleContext,
} from "../integration-rules.js";
import { deepEqual } from "../json.js";
import type {
  DesiredIntegration,
  DesiredState,
  LiveIntegration,
  LiveState,
  PlanIssue,
} from "./model.js";
import type { Pair } from "./steps.js";
import { leftoverTemporary } from "./swaps.js";

/** Which desired entry configures which live integration, and what is left over. */
export interface Matching {
  pairs: Pair[];
  creates: Array<[string, DesiredIntegration]>;
  /** Live integrations nothing matched, left alone (without prune). */
  unmanaged: LiveIntegration[];
  /** Live integrations nothing matched, to delete (with prune). */
  deletes: LiveIntegration[];
}

/**
 * Matches the desired entries to the live integrations and pushes to ISSUES every rename
 * that cannot happen, every integrationName change and every alias held by an integration
 * the desired state does not move or delete.
 */
export function matchIntegrations(
  desired: DesiredState,
  live: LiveState,
  ruleCtx: RuleContext,
  issues: PlanIssue[],
): Matching {
  const liveByAlias = new Map(live.integrations.map((i) => [i.alias, i]));
  const entries = Object.entries(desired.integrations);
  const claimed = new Map<string, string>(); // live id → desired alias
  const matchOf = new Map<string, LiveIntegration>(); // desired alias → live
  const claim = (alias: string, l: LiveIntegration) => {
    claimed.set(l.id, alias);
    matchOf.set(alias, l);
  };
  // a. A swap or rotation already done (a re-plan after its apply): the integration at the
  //    wanted alias holds exactly the desired configuration, and the source alias is itself
  //    renamed to. Matching by source alias instead would swap the aliases back on every
  //    apply. (Aliases are all a desired state names: a swap of identical configurations
  //    changes only ids, so it counts as done.)
  const renameTargets = new Set(
    entries.filter(([a, d]) => d.renamedFrom !== undefined && d.renamedFrom !== a).map(([a]) => a),
  );
  for (const [alias, d] of entries) {
    if (d.renamedFrom === undefined || d.renamedFrom === alias) continue;
    if (!renameTargets.has(d.renamedFrom)) continue;
    const here = liveByAlias.get(alias);
    if (!here || claimed.has(here.id) || here.integrationName !== d.integrationName) continue;
    const target = checkIntegrationRules(createIntegrationDraft({ ...d, alias }), ruleCtx);
    if (target.ok && deepEqual(integrationConfigOf(here), target.config)) claim(alias, here);
  }
  // b. Renames, from the source alias, or from the temporary alias an interrupted swap left
  //    (`<source>-tmp`): that integration is finished, not stranded beside a new one.
  for (const [alias, d] of entries) {
    if (d.renamedFrom === undefined || d.renamedFrom === alias || matchOf.has(alias)) continue;
    let source = liveByAlias.get(d.renamedFrom);
    if (!source || claimed.has(source.id)) {
      const leftover = leftoverTemporary(d.renamedFrom, d.integrationName, live.integrations);
      if (leftover && !claimed.has(leftover.id)) source = leftover;
    }
    if (!source) {
      // Already renamed (a re-plan after apply) matches by alias below.
      if (liveByAlias.has(alias)) continue;
      issues.push({
        alias,
        field: "renamedFrom",
        rule: "RENAME_SOURCE_MISSING",
        message: `no integration with alias "${d.renamedFrom}" (nor "${alias}") is in the workspace; drop renamedFrom to create "${alias}"`,
        suggestions: closestNames(d.renamedFrom, liveByAlias.keys()),
      });
      continue;
    }
    const other = claimed.get(source.id);
    if (other !== undefined) {
      issues.push({
        alias,
        field: "renamedFrom",
        rule: "ALIAS_CLASH",
        message: `"${d.renamedFrom}" is already renamed to "${other}"; one integration can be renamed only once`,
      });
      continue;
    }
    claim(alias, source);
  }
  for (const [alias] of entries) {
    if (matchOf.has(alias)) continue;
    const same = liveByAlias.get(alias);
    if (same && !claimed.has(same.id)) {
      claimed.set(same.id, alias);
      matchOf.set(alias, same);
    }
  }

  const pairs: Pair[] = [];
  const creates: Array<[string, DesiredIntegration]> = [];
  for (const [alias, d] of entries) {
    const l = matchOf.get(alias);
    if (!l) creates.push([alias, d]);
    else if (l.integrationName !== d.integrationName) {
      issues.push({
        alias,
        field: "integrationName",
        rule: "INTEGRATION_NAME_CHANGE",
        message: `"${l.alias}" is a ${l.integrationName} integration in the workspace and an integration's integrationName cannot change; give the ${d.integrationName} integration another alias${desired.prune ? ` (with prune, "${l.alias}" is then deleted)` : `, and set prune: true to delete "${l.alias}"`}`,
      });
    } else pairs.push({ alias, desired: d, live: l });
  }
  const unmatched = live.integrations.filter((i) => !claimed.has(i.id));
  const unmanaged = desired.prune ? [] : unmatched;
  const deletes = desired.prune ? unmatched : [];

  // An alias wanted by a create or rename, held by an integration nothing moves or deletes.
  const movedAway = new Set(pairs.filter((p) => p.live.alias !== p.alias).map((p) => p.live.alias));
  for (const d of deletes) movedAway.add(d.alias);
  const wanted = [
    ...creates.map(([a]) => a),
    ...pairs.filter((p) => p.live.alias !== p.alias).map((p) => p.alias),
  ];
  for (const alias of wanted) {
    const holder = liveByAlias.get(alias);
    if (holder && !movedAway.has(alias) && !claimed.has(holder.id)) {
      issues.push({
        alias,
        field: "alias",
        rule: "ALIAS_CLASH",
        message: `alias "${alias}" is taken by ${holder.integrationName} integration ${holder.id}, which this desired state does not list; set prune: true to delete it, list it under another alias (renamedFrom: ${alias}), or choose another alias`,
      });
    }
  }
  return { pairs, creates, unmanaged, deletes };
}
