// Owns the "changed since" check: whether a touched integration moved after the entries, and by what.
import { integrationConfigOf, type WorkspaceIntegration } from "../domain/index.js";
import type { IntegrationConfig } from "../domain/integration-rules.js";
import {
  type ChangeEntry,
  describeChange,
  type IntegrationSnapshot,
  REDACTED,
} from "../domain/journal.js";
import { deepEqual } from "../domain/json.js";
import type { Touched } from "./undo-entries.js";
import type { UndoDeps, UndoProblem } from "./undo-model.js";

/**
 * A changed_since problem per touched integration that is not as the last entry left it,
 * naming the newest later change in the journal when there is one.
 */
export async function changedSince(
  deps: UndoDeps,
  workspaceId: string,
  touched: readonly Touched[],
  live: readonly WorkspaceIntegration[],
): Promise<UndoProblem[]> {
  const liveById = new Map(live.map((i) => [i.id, i]));
  const liveByAlias = new Map(live.map((i) => [i.alias, i]));
  const problems: UndoProblem[] = [];
  // 1. Has anything moved since? Each touched integration must be as the last entry left it.
  for (const t of touched) {
    const now = liveById.get(t.integrationId);
    const alias = t.after?.alias ?? t.before?.alias ?? t.last.target.alias;
    let why: string | undefined;
    if (t.after) {
      if (!now) why = `"${alias}" (id ${t.integrationId}) no longer exists`;
      else if (!sameConfig(integrationConfigOf(now), t.after))
        why = `"${now.alias}" (id ${t.integrationId}) was changed after ${t.last.id}`;
    } else {
      if (now) why = `"${now.alias}" (id ${t.integrationId}) exists again`;
      const holder = t.before ? liveByAlias.get(t.before.alias) : undefined;
      if (!why && holder)
        why = `alias "${holder.alias}" is now held by another integration (id ${holder.id})`;
    }
    if (!why) continue;
    const keys = [t.integrationId, alias, ...(t.before ? [t.before.alias] : [])];
    const later = await laterChange(deps, workspaceId, t.last, [...new Set(keys)]);
    problems.push({
      kind: "changed_since",
      integrationId: t.integrationId,
      alias,
      message: later
        ? `${why}: a later change is in the way (${describeChange(later)})`
        : `${why}, by a change this journal does not hold (made outside ${deps.journal.kind === "local-api" ? "the journal" : "this MCP server"})`,
      ...(later
        ? { laterChange: { id: later.id, line: describeChange(later), planId: later.planId } }
        : {}),
      nextStep: later
        ? `undo the later change first (${later.planId && later.source !== "direct" ? `planId ${later.planId}` : `changeId ${later.id}`}), then undo this one again`
        : "look at the integration as it is now; undo cannot tell what else changed it, so change it back by hand if needed",
    });
  }
  return problems;
}

/** Equal configurations, a redacted value matching anything (it was never stored). */
function sameConfig(live: IntegrationConfig, snap: IntegrationSnapshot): boolean {
  const restore = (a: unknown, b: unknown): unknown => {
    if (b === REDACTED) return b;
    if (!a || !b || typeof a !== "object" || typeof b !== "object" || Array.isArray(a)) return a;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(a as Record<string, unknown>))
      out[k] = restore((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]);
    return out;
  };
  const l = integrationConfigOf({
    ...live,
    settings: restore(live.settings, snap.settings) as Record<string, unknown>,
  });
  return deepEqual(l, integrationConfigOf(snap));
}

/** The newest journal entry after `after` touching this integration id or alias. */
async function laterChange(
  deps: UndoDeps,
  workspaceId: string,
  after: ChangeEntry,
  keys: readonly string[],
): Promise<ChangeEntry | undefined> {
  let best: ChangeEntry | undefined;
  for (const key of keys) {
    const page = await deps.journal.list({
      workspaceId,
      integration: key,
      limit: 50,
      offset: 0,
    });
    for (const e of page.entries) {
      if (e.id <= after.id) continue;
      if (after.planId !== null && e.planId === after.planId) continue;
      if (!best || e.id > best.id) best = e;
    }
  }
  return best;
}
