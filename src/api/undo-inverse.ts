// Owns the inverse of an undo: the earlier state as a desired state, planned, and what cannot go back.
import { integrationConfigOf, type WorkspaceIntegration } from "../domain/index.js";
import type { IntegrationConfig } from "../domain/integration-rules.js";
import { type IntegrationSnapshot, REDACTED } from "../domain/journal.js";
import {
  createRequest,
  type DesiredIntegration,
  type DesiredState,
  type Plan,
} from "../domain/plan/index.js";
import type { Touched } from "./undo-entries.js";
import { undoCallOptions as call, type IrreversibleStep, type UndoDeps } from "./undo-model.js";
import { planWorkspace } from "./workspace-plan.js";

const configOfSnapshot = (s: IntegrationSnapshot): IntegrationConfig => integrationConfigOf(s);

/**
 * The inverse plan: the workspace as it is now, each touched integration put back as it was
 * before the entries, planned with prune. An integration the plan engine cannot put back is
 * left as it is and listed as irreversible (with what to do instead), as is a setting whose
 * earlier value the journal withheld.
 */
export async function inversePlan(
  deps: UndoDeps,
  workspaceId: string,
  touched: readonly Touched[],
  live: readonly WorkspaceIntegration[],
): Promise<{ plan: Plan; irreversible: IrreversibleStep[] }> {
  const liveById = new Map(live.map((i) => [i.id, i]));
  const irreversible: IrreversibleStep[] = [];
  // The desired state: the workspace as it is now, each touched integration as it was.
  const state = new Map<string, IntegrationConfig & { from?: string }>();
  for (const i of live) state.set(i.id, integrationConfigOf(i));
  const applyTouched = (skip: ReadonlySet<string>) => {
    const out = new Map(state);
    for (const t of touched) {
      if (skip.has(t.integrationId)) continue;
      const now = liveById.get(t.integrationId);
      if (!t.before) {
        out.delete(t.integrationId);
        continue;
      }
      const { settings, lost } = fillRedacted(t.before, now ? integrationConfigOf(now) : undefined);
      for (const p of lost) {
        if (!irreversible.some((x) => x.integrationId === t.integrationId && x.reason.includes(p)))
          irreversible.push({
            integrationId: t.integrationId,
            alias: t.before.alias,
            reason: `${p} was withheld from the journal as a secret, so its earlier value is unknown`,
            instead: `after the undo, set ${p} again with update_workspace_integration`,
          });
      }
      out.set(t.integrationId, {
        ...configOfSnapshot(t.before),
        settings,
        ...(now && now.alias !== t.before.alias ? { from: now.alias } : {}),
      });
    }
    return out;
  };
  const desiredOf = (m: Map<string, IntegrationConfig & { from?: string }>): DesiredState => {
    const integrations: Record<string, DesiredIntegration> = {};
    const sorted = [...m.values()].sort(
      (a, b) => a.sortOrder - b.sortOrder || a.alias.localeCompare(b.alias),
    );
    for (const c of sorted) {
      const { alias: _a, ...body } = createRequest(c);
      integrations[c.alias] = {
        ...body,
        ...(c.from ? { renamedFrom: c.from } : {}),
      } as DesiredIntegration;
    }
    return { workspaceId, prune: true, integrations };
  };

  // Plan it; an integration the plan engine cannot put back is left as it is (irreversible).
  const skip = new Set<string>();
  let plan = await planWorkspace(deps.api, desiredOf(applyTouched(skip)), call(deps));
  for (let round = 0; round < 5 && plan.issues.length > 0; round++) {
    let moved = false;
    for (const issue of plan.issues) {
      const t = touched.find((x) => (x.before?.alias ?? x.last.target.alias) === issue.alias);
      if (!t || skip.has(t.integrationId)) continue;
      skip.add(t.integrationId);
      moved = true;
      irreversible.push({
        integrationId: t.integrationId,
        alias: issue.alias,
        reason: issue.message,
        instead: insteadFor(issue.rule, issue.alias),
      });
    }
    if (!moved) break;
    plan = await planWorkspace(deps.api, desiredOf(applyTouched(skip)), call(deps));
  }
  return { plan, irreversible };
}

/**
 * A snapshot's settings with redacted values taken from the live integration where it still
 * has them; paths that cannot be filled are returned (and dropped from the settings).
 */
function fillRedacted(
  snap: IntegrationSnapshot,
  live: IntegrationConfig | undefined,
): { settings: Record<string, unknown>; lost: string[] } {
  const lost: string[] = [];
  const walk = (value: unknown, from: unknown, path: string): unknown => {
    if (!value || typeof value !== "object" || Array.isArray(value)) return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const other =
        from && typeof from === "object" ? (from as Record<string, unknown>)[k] : undefined;
      if (v === REDACTED) {
        if (other !== undefined && other !== REDACTED) out[k] = other;
        else lost.push(`${path}.${k}`);
      } else out[k] = walk(v, other, `${path}.${k}`);
    }
    return out;
  };
  return {
    settings: walk(snap.settings, live?.settings, "settings") as Record<string, unknown>,
    lost,
  };
}

function insteadFor(rule: string, alias: string): string {
  switch (rule) {
    case "CONNECTION_NOT_FOUND":
      return `the connection it pinned is gone: create a new connection, then set it on "${alias}" (update_workspace_integration, or re-create it with that connectionId)`;
    case "BEARER_BLOCKS_PER_USER":
      return `per_user is blocked by an MCP server with a static bearer token: switch that server to oauth, or keep "${alias}" on per_user_with_fallback`;
    case "UNKNOWN_INTEGRATION":
    case "UNKNOWN_ACTIONS":
    case "SETTINGS_BLOCK":
      return `the catalog no longer accepts the earlier configuration of "${alias}": configure it by hand from get_catalog_integration`;
    default:
      return `configure "${alias}" by hand (update_workspace_integration or create_workspace_integration)`;
  }
}
