import { createHash, randomBytes } from "node:crypto";
import { type CatalogIndex, closestNames } from "../catalog-index.js";
import { ALIAS_PATTERN } from "../common.js";
import type {
  CreateWorkspaceIntegration,
  Settings,
  UpdateWorkspaceIntegration,
} from "../integration.js";
import {
  checkIntegrationRules,
  connectionUsableIn,
  createIntegrationDraft,
  type IntegrationConfig,
  integrationConfigOf,
  mergeIntegrationPatch,
  type RuleViolation,
} from "../integration-rules.js";
import { deepEqual } from "../json.js";
import {
  type DesiredIntegration,
  type DesiredState,
  type FieldChange,
  type LiveConnection,
  type LiveIntegration,
  type LiveState,
  PLAN_FIELDS,
  type Plan,
  type PlanIssue,
  type PlanStep,
  type PlanStepWire,
} from "./model.js";

/** JSON with object keys sorted at every level: equal values give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (!v || typeof v !== "object" || Array.isArray(v)) return v;
    const obj = v as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(obj)
        .sort()
        .filter((k) => obj[k] !== undefined)
        .map((k) => [k, obj[k]]),
    );
  });
}

/**
 * A hash of what a plan depends on: the desired state it was computed for (every entry and
 * `prune`), the workspace's integrations (every configured field), its static-bearer MCP
 * servers, and the connections the desired state pins. A plan applies only while this is
 * unchanged; a plan sent back with an edited desired state no longer matches it.
 */
export function fingerprintLiveState(live: LiveState, desired: DesiredState): string {
  const pinned = new Set(
    Object.values(desired.integrations)
      .map((d) => d.connectionId)
      .filter((c): c is string => typeof c === "string"),
  );
  const material = {
    desired,
    workspaceId: live.workspaceId,
    integrations: [...live.integrations]
      .map((i) => ({ id: i.id, ...integrationConfigOf(i) }))
      .sort((a, b) => a.id.localeCompare(b.id)),
    bearerServers: live.bearerServers.map((s) => s.id).sort(),
    connections: live.connections
      .filter((c) => pinned.has(c.id))
      .map((c) => [c.id, c.integrationName])
      .sort(),
  };
  return `sha256:${createHash("sha256").update(canonicalJson(material)).digest("hex").slice(0, 32)}`;
}

/**
 * A digest of a plan's steps, everything they would send and change: what a confirmation
 * binds, and what an apply recomputes and compares before it writes anything.
 */
export function stepsDigest(steps: readonly PlanStepWire[]): string {
  return `sha256:${createHash("sha256").update(canonicalJson(steps)).digest("hex").slice(0, 32)}`;
}

/** Options of {@link computePlan}. */
export interface PlanOptions {
  /** Overrides the random plan id (tests). */
  planId?: string;
}

interface Pair {
  alias: string;
  desired: DesiredIntegration;
  live: LiveIntegration;
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
  type Draft = StepDraft;
  const steps: Draft[] = [];
  const unchanged: string[] = [];
  const usedAliases = new Set([...liveByAlias.keys(), ...desiredAliases]);
  const renames = new Map<string, UpdateDraft>(); // live alias → its rename step
  for (const p of pairs) {
    const target = finalConfig.get(p.alias);
    if (!target) continue;
    const current = integrationConfigOf(p.live);
    const changes = diffFields(current, target);
    if (changes.length === 0) {
      unchanged.push(p.alias);
      continue;
    }
    const built = buildPatch(current, target, p.alias, issues);
    if (!built) continue;
    const checked = checkIntegrationRules(mergeIntegrationPatch(current, built), ruleCtx);
    if (!checked.ok) {
      for (const v of checked.violations)
        issues.push(wordViolation(p.alias, v, live.connections, live.workspaceId));
      continue;
    }
    const step: UpdateDraft = {
      action: "update",
      alias: p.alias,
      integrationName: p.live.integrationName,
      id: p.live.id,
      changes,
      request: built,
      destructive: current.connectionStrategy !== target.connectionStrategy,
    };
    if (p.live.alias !== p.alias) {
      step.occupies = p.alias;
      step.frees = p.live.alias;
      renames.set(p.live.alias, step);
    }
    steps.push(step);
  }
  for (const [alias, d] of creates) {
    const target = finalConfig.get(alias);
    if (!target) continue;
    steps.push({
      action: "create",
      alias,
      integrationName: d.integrationName,
      request: createRequest(target),
      destructive: false,
      occupies: alias,
    });
  }
  for (const l of deletes) {
    steps.push({
      action: "delete",
      alias: l.alias,
      integrationName: l.integrationName,
      id: l.id,
      destructive: true,
      frees: l.alias,
    });
  }

  // Break rename cycles (a↔b): the first rename of each cycle goes through a temporary alias.
  const freedBy = new Map<string, Draft>();
  for (const s of steps) if (s.frees) freedBy.set(s.frees, s);
  const seen = new Set<UpdateDraft>();
  for (const start of renames.values()) {
    const path: UpdateDraft[] = [];
    let cur: UpdateDraft | undefined = start;
    while (cur && !seen.has(cur) && !path.includes(cur)) {
      path.push(cur);
      cur = cur.occupies ? renames.get(cur.occupies) : undefined;
    }
    if (cur && path.includes(cur)) {
      const head = cur;
      const tmp = temporaryAlias(head.frees as string, usedAliases);
      usedAliases.add(tmp);
      const first: UpdateDraft = {
        action: "update",
        alias: tmp,
        integrationName: head.integrationName,
        id: head.id,
        changes: [{ field: "alias", before: head.frees, after: tmp }],
        request: { alias: tmp },
        destructive: false,
        temporary: true,
        // The temporary alias is fresh: this step waits for nothing.
        frees: head.frees,
      };
      head.changes = head.changes.map((c) => (c.field === "alias" ? { ...c, before: tmp } : c));
      head.frees = tmp;
      steps.splice(steps.indexOf(head), 0, first);
      freedBy.set(first.frees as string, first);
      freedBy.set(tmp, head);
    }
    for (const s of path) seen.add(s);
  }

  // Depth-first: before a step takes an alias, the step that frees it runs. Deletes nothing
  // waits for run last, so a failure earlier leaves them undone.
  const ordered: Draft[] = [];
  const done = new Set<Draft>();
  const visit = (s: Draft) => {
    if (done.has(s)) return;
    // Marked before its blocker is visited, so even an unbroken cycle emits each step once.
    done.add(s);
    const blocker = s.occupies ? freedBy.get(s.occupies) : undefined;
    if (blocker && blocker !== s) visit(blocker);
    ordered.push(s);
  };
  for (const s of steps) if (s.action !== "delete") visit(s);
  for (const s of steps) visit(s);

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

/** Where a step draft sits in the order: the alias it takes and the one it frees. */
interface Ordering {
  occupies?: string;
  frees?: string;
}
/** A step before it is numbered (Omit per action, so the union stays one). */
type StepDraft = (PlanStep extends infer S ? (S extends PlanStep ? Omit<S, "n"> : never) : never) &
  Ordering;
/** An update step before it is numbered: renames, and their temporary aliases. */
type UpdateDraft = Omit<Extract<PlanStep, { action: "update" }>, "n"> & Ordering;

function toStep(s: StepDraft, i: number): PlanStep {
  const { occupies: _o, frees: _f, ...rest } = s;
  return { n: i + 1, ...rest };
}

/** Field-level before → after, in preview order. */
function diffFields(current: IntegrationConfig, target: IntegrationConfig): FieldChange[] {
  const out: FieldChange[] = [];
  for (const f of PLAN_FIELDS) {
    if (!deepEqual(current[f], target[f]))
      out.push({ field: f, before: current[f], after: target[f] });
  }
  return out;
}

/**
 * The PATCH body that turns `current` into `target`, or undefined (with an issue) when no
 * update can: a pinned connection can be dropped only by switching to per_user.
 */
function buildPatch(
  current: IntegrationConfig,
  target: IntegrationConfig,
  alias: string,
  issues: PlanIssue[],
): UpdateWorkspaceIntegration | undefined {
  const patch: UpdateWorkspaceIntegration = {};
  if (current.alias !== target.alias) patch.alias = target.alias;
  if (current.connectionStrategy !== target.connectionStrategy)
    patch.connectionStrategy = target.connectionStrategy;
  if (current.connectionId !== target.connectionId) {
    if (target.connectionId !== null) patch.connectionId = target.connectionId;
    else if (
      !(target.connectionStrategy === "per_user" && current.connectionStrategy !== "per_user")
    ) {
      issues.push({
        alias,
        field: "connectionId",
        rule: "CONNECTION_CLEAR",
        message: `"${alias}" pins connection ${current.connectionId}, and an update cannot unpin it except by switching to per_user; keep connectionId: ${current.connectionId}, or pin another connection`,
      });
      return undefined;
    }
  }
  if (current.displayName !== target.displayName) patch.displayName = target.displayName;
  if (!deepEqual(current.enabledActions, target.enabledActions))
    patch.enabledActions = target.enabledActions;
  if (!deepEqual(current.settings, target.settings))
    patch.settings = target.settings as UpdateWorkspaceIntegration["settings"];
  if (current.sortOrder !== target.sortOrder) patch.sortOrder = target.sortOrder;
  return patch;
}

/**
 * The create body for a checked config: defaults left out, as a person would write it (also
 * what `export` writes per integration, so that planning an export shows no change).
 */
export function createRequest(c: IntegrationConfig): CreateWorkspaceIntegration {
  const body: CreateWorkspaceIntegration = {
    integrationName: c.integrationName,
    alias: c.alias,
    connectionStrategy: c.connectionStrategy,
  };
  if (c.connectionId !== null) body.connectionId = c.connectionId;
  if (c.displayName !== null) body.displayName = c.displayName;
  if (c.enabledActions !== null) body.enabledActions = c.enabledActions;
  if (Object.keys(c.settings).length > 0) body.settings = c.settings as Settings;
  if (c.sortOrder !== 0) body.sortOrder = c.sortOrder;
  return body;
}

/**
 * The integration an interrupted swap left under a temporary alias of BASE (`<base>-tmp`,
 * `<base>-tmp2`, … as {@link temporaryAlias} names them), if exactly one of that integration
 * is there.
 */
function leftoverTemporary(
  base: string,
  integrationName: string,
  all: readonly LiveIntegration[],
): LiveIntegration | undefined {
  const stem = base.slice(0, 56);
  const found = all.filter(
    (l) =>
      l.integrationName === integrationName &&
      l.alias.startsWith(`${stem}-tmp`) &&
      /^\d*$/.test(l.alias.slice(stem.length + 4)),
  );
  return found.length === 1 ? found[0] : undefined;
}

/** A free alias for the middle of a swap: `<alias>-tmp`, `<alias>-tmp2`, … */
function temporaryAlias(base: string, used: Set<string>): string {
  const stem = base.slice(0, 56);
  for (let n = 1; ; n++) {
    const candidate = `${stem}-tmp${n === 1 ? "" : n}`;
    if (!used.has(candidate) && ALIAS_PATTERN.test(candidate)) return candidate;
  }
}

/** The connections of INTEGRATIONNAME an integration of WORKSPACEID may pin. */
function usable(
  integrationName: string,
  all: readonly LiveConnection[],
  workspaceId: string,
): LiveConnection[] {
  return all.filter(
    (c) => c.integrationName === integrationName && connectionUsableIn(c, workspaceId),
  );
}

function connectionsList(
  integrationName: string,
  all: readonly LiveConnection[],
  workspaceId: string,
): string[] {
  return usable(integrationName, all, workspaceId).map((c) => c.id);
}

function describeConnections(
  integrationName: string,
  all: readonly LiveConnection[],
  workspaceId: string,
): string {
  const list = usable(integrationName, all, workspaceId);
  if (list.length === 0) return `there are no ${integrationName} connections yet`;
  return `${integrationName} connections: ${list
    .slice(0, 8)
    .map((c) => `${c.id}${c.displayName ? ` (${c.displayName})` : ""}`)
    .join(", ")}${list.length > 8 ? `, … ${list.length - 8} more` : ""}`;
}

/** A rule violation as a plan issue, worded for people and models alike (no REST paths). */
function wordViolation(
  alias: string,
  v: RuleViolation,
  conns: readonly LiveConnection[],
  ws: string,
): PlanIssue {
  const base = { alias, field: v.field, rule: v.rule };
  switch (v.rule) {
    case "UNKNOWN_INTEGRATION":
      return {
        ...base,
        message: `"${v.name}" is not in the catalog${v.suggestions.length > 0 ? `; closest: ${v.suggestions.join(", ")}` : ""}`,
        suggestions: v.suggestions,
      };
    case "INVALID_ALIAS":
      return {
        ...base,
        message: `"${v.alias}" is not a valid alias: 1-64 lowercase letters, digits, _ or -, starting with a letter or digit`,
      };
    case "CONNECTION_NOT_USED":
      return {
        ...base,
        message:
          "per_user takes no connectionId (each end user brings their own); remove it, or use per_user_with_fallback to pin a fallback connection",
      };
    case "CONNECTION_NOT_FOUND": {
      const ids = connectionsList(v.integrationName, conns, ws);
      const close = closestNames(v.connectionId, ids);
      return {
        ...base,
        message: `no connection "${v.connectionId}"; ${describeConnections(v.integrationName, conns, ws)}`,
        suggestions: close.length > 0 ? close : ids.slice(0, 8),
      };
    }
    case "CONNECTION_OTHER_WORKSPACE":
      return {
        ...base,
        message: `connection "${v.connectionId}" belongs to another workspace and cannot be pinned here; ${describeConnections(v.integrationName, conns, ws)}`,
        suggestions: connectionsList(v.integrationName, conns, ws).slice(0, 8),
      };
    case "CONNECTION_WRONG_INTEGRATION":
      return {
        ...base,
        message: `connection "${v.connectionId}" is a ${v.connectionIntegration} connection, not ${v.integrationName}; ${describeConnections(v.integrationName, conns, ws)}`,
        suggestions: connectionsList(v.integrationName, conns, ws).slice(0, 8),
      };
    case "CONNECTION_REQUIRED":
      return {
        ...base,
        message: `connectionStrategy ${v.strategy} on ${v.integrationName} needs a connectionId (${describeConnections(v.integrationName, conns, ws)}), or use per_user`,
        suggestions: connectionsList(v.integrationName, conns, ws).slice(0, 8),
      };
    case "UNKNOWN_ACTIONS": {
      const close = [...new Set(v.unknown.flatMap((u) => closestNames(u, v.valid, 2)))];
      return {
        ...base,
        message: `unknown action(s) for ${v.integrationName}: ${v.unknown.join(", ")}${close.length > 0 ? `; closest: ${close.join(", ")}` : ""}`,
        suggestions: close.length > 0 ? close : v.valid.slice(0, 20),
      };
    }
    case "SETTINGS_BLOCK":
      return {
        ...base,
        message: `settings.${v.block} does not apply to ${v.integrationName}${v.takers.length > 0 ? ` (it applies to ${v.takers.slice(0, 5).join(", ")})` : ""}; ${v.blocks.length > 0 ? `${v.integrationName} takes: ${v.blocks.join(", ")}` : `${v.integrationName} takes no settings`}`,
        suggestions: v.blocks,
      };
    case "BEARER_BLOCKS_PER_USER":
      return {
        ...base,
        message: `per_user is blocked: the workspace has MCP server(s) with a static bearer token (${v.servers.map((s) => `"${s.name}" (${s.id})`).join(", ")}), which cannot carry per-user credentials; switch those servers to oauth first, or use per_user_with_fallback with a fallback connectionId`,
      };
  }
}
