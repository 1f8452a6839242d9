/**
 * THE UNDO SERVICE — a contract: the MCP tool `undo_change`, the CLI `weavz-mcp undo`, the
 * dashboard and the MCP App all call exactly these two functions, so an undo is previewed,
 * refused and applied the same way everywhere.
 *
 *   const preview = await previewUndo(deps, { changeId });   // reads only
 *   // show preview (renderUndoPreview), ask the user, then:
 *   const result = await applyUndo(deps, preview);           // UndoRefusedError if anything moved
 *
 * An undo is "apply the earlier state again" through the plan engine: the inverse of the
 * entries is a desired state (the workspace as it is now, with each touched integration put
 * back as it was before them), planned with prune against the live workspace. A delete is
 * undone by re-creating the integration with the same alias, strategy, connection, actions and
 * settings (it gets a new id); an update by the earlier fields; a create by a delete; a whole
 * apply by one inverse plan. The undo's own writes are journal entries (source "undo"), so an
 * undo can be undone.
 *
 * It refuses (problems, kind "changed_since") when a touched integration changed after the
 * entry, naming the later change so it can be undone first; it marks steps it cannot reverse
 * (irreversible: e.g. the pinned connection is gone) with what the user can do instead, and
 * leaves those integrations as they are.
 */
import { createHash } from "node:crypto";
import { integrationConfigOf, type WorkspaceIntegration } from "../domain/index.js";
import type { IntegrationConfig } from "../domain/integration-rules.js";
import {
  type ChangeContext,
  type ChangeEntry,
  type ChangeJournal,
  describeChange,
  type IntegrationSnapshot,
  REDACTED,
} from "../domain/journal.js";
import { deepEqual } from "../domain/json.js";
import {
  canonicalJson,
  createRequest,
  type DesiredIntegration,
  type DesiredState,
  type Plan,
  renderPlan,
} from "../domain/plan/index.js";
import { WeavzError } from "./errors.js";
import { allPages, PAGE } from "./pages.js";
import type { CallOptions, WeavzApi } from "./types.js";
import { type ApplyReport, applyPlan, PlanRefusedError, planWorkspace } from "./workspace-plan.js";

/** What the undo service works over. */
export interface UndoDeps {
  api: WeavzApi;
  journal: ChangeJournal;
  /** Who undoes (recorded on the undo's entries); source/planId/undoes are set here. */
  context?: ChangeContext;
  signal?: AbortSignal;
}

/** What to undo: one change, or every step of one plan (an apply, or an earlier undo). */
export type UndoTarget = { changeId: string } | { planId: string; workspaceId?: string };

/** Why an undo cannot go ahead as it is. */
export interface UndoProblem {
  kind: "changed_since" | "not_found" | "nothing_to_undo" | "plan_issue";
  integrationId?: string;
  alias?: string;
  message: string;
  /** changed_since: the newest later change to this integration, when the journal has it. */
  laterChange?: { id: string; line: string; planId: string | null };
  /** What to do about it (e.g. undo the later change first). */
  nextStep: string;
}

/** A step that cannot be reversed: that integration is left as it is now. */
export interface IrreversibleStep {
  integrationId: string;
  alias: string;
  reason: string;
  /** What the user can do instead. */
  instead: string;
}

/** The preview every caller shows before applying; pass it back whole to applyUndo. */
export interface UndoPreview {
  target: UndoTarget;
  workspaceId: string;
  /** The entries being undone, in the order they were made. */
  entries: ChangeEntry[];
  /** The inverse, as a plan through the plan engine (its steps are what will run). */
  plan: Plan;
  /** Blocking: while any, applyUndo refuses. */
  problems: UndoProblem[];
  /** Non-blocking: these integrations stay as they are. */
  irreversible: IrreversibleStep[];
  /** Hash of the entries and the live state the plan was made from: what the user saw. */
  fingerprint: string;
  /** One paragraph for people (and the model): what will happen. */
  summary: string;
}

export interface UndoResult {
  status: ApplyReport["status"];
  /** The plan id of the undo's own entries (undo that to redo). */
  undoPlanId: string;
  report: ApplyReport;
  irreversible: IrreversibleStep[];
}

/** Why applyUndo did not start (nothing was changed); the caller words it. */
export class UndoRefusedError extends WeavzError {
  override name = "UndoRefusedError";
  constructor(
    readonly reason: "problems" | "stale",
    message: string,
    /** The preview as it is now (re-computed for "stale"). */
    readonly preview: UndoPreview,
  ) {
    super(message);
  }
}

/** The change or plan does not exist in the journal. */
export class UndoTargetNotFoundError extends WeavzError {
  override name = "UndoTargetNotFoundError";
}

const call = (deps: UndoDeps): CallOptions => (deps.signal ? { signal: deps.signal } : {});

/** The entries an undo target names, oldest first, and their workspace. */
async function entriesOf(
  deps: UndoDeps,
  target: UndoTarget,
): Promise<{ workspaceId: string; entries: ChangeEntry[] }> {
  if ("changeId" in target) {
    const e = await deps.journal.get(target.changeId);
    if (!e) {
      throw new UndoTargetNotFoundError(
        `no change "${target.changeId}" in the journal (it may be older than the history limit)`,
      );
    }
    return { workspaceId: e.workspaceId, entries: [e] };
  }
  const workspaces = target.workspaceId
    ? [target.workspaceId]
    : (
        await allPages(async (offset) => {
          const r = await deps.api.listWorkspaces({ limit: PAGE, offset }, call(deps));
          return { items: r.workspaces, total: r.total };
        })
      ).map((w) => w.id);
  for (const ws of workspaces) {
    const page = await deps.journal.list({
      workspaceId: ws,
      planId: target.planId,
      limit: 1000,
      offset: 0,
    });
    if (page.entries.length > 0) {
      const entries = [...page.entries].sort((a, b) => (a.id < b.id ? -1 : 1));
      return { workspaceId: ws, entries };
    }
  }
  throw new UndoTargetNotFoundError(`no change of plan "${target.planId}" is in the journal`);
}

/** Per integration: its state before the first entry and after the last. */
interface Touched {
  integrationId: string;
  before: IntegrationSnapshot | null;
  after: IntegrationSnapshot | null;
  first: ChangeEntry;
  last: ChangeEntry;
  redacted: string[];
}

function touchedOf(entries: readonly ChangeEntry[]): Touched[] {
  const byId = new Map<string, Touched>();
  for (const e of entries) {
    const t = byId.get(e.target.integrationId);
    if (!t) {
      byId.set(e.target.integrationId, {
        integrationId: e.target.integrationId,
        before: e.before,
        after: e.after,
        first: e,
        last: e,
        redacted: [...(e.redacted ?? [])],
      });
    } else {
      t.after = e.after;
      t.last = e;
      t.redacted.push(...(e.redacted ?? []));
    }
  }
  // A create then delete inside one plan nets to nothing.
  return [...byId.values()].filter((t) => t.before !== null || t.after !== null);
}

const configOfSnapshot = (s: IntegrationSnapshot): IntegrationConfig => integrationConfigOf(s);

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
  return deepEqual(l, configOfSnapshot(snap));
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

/**
 * Computes the inverse of a change or plan as a plan, with everything that stands in its way.
 * Reads only. Throws UndoTargetNotFoundError for an unknown change or plan.
 */
export async function previewUndo(deps: UndoDeps, target: UndoTarget): Promise<UndoPreview> {
  const { workspaceId, entries } = await entriesOf(deps, target);
  const touched = touchedOf(entries);
  const live = (await deps.api.listWorkspaceIntegrations(workspaceId, call(deps))).integrations;
  const liveById = new Map(live.map((i) => [i.id, i]));
  const liveByAlias = new Map(live.map((i) => [i.alias, i]));
  const problems: UndoProblem[] = [];
  const irreversible: IrreversibleStep[] = [];
  const last = entries[entries.length - 1] as ChangeEntry;

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

  // 2. The desired state: the workspace as it is now, each touched integration as it was.
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

  // 3. Plan it; an integration the plan engine cannot put back is left as it is (irreversible).
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
  for (const issue of plan.issues) {
    problems.push({
      kind: "plan_issue",
      alias: issue.alias,
      message: issue.message,
      nextStep: "fix the problem named, then preview the undo again",
    });
  }
  if (problems.length === 0 && plan.steps.length === 0) {
    problems.push({
      kind: "nothing_to_undo",
      message:
        irreversible.length > 0
          ? "none of the changes can be reversed (see irreversible)"
          : "the workspace already is as it was before these changes",
      nextStep: "nothing to do",
    });
  }
  const fingerprint = `sha256:${createHash("sha256")
    .update(canonicalJson({ e: entries.map((e) => e.id), p: plan.fingerprint, s: plan.steps }))
    .digest("hex")
    .slice(0, 32)}`;
  const preview: UndoPreview = {
    target,
    workspaceId,
    entries,
    plan,
    problems,
    irreversible,
    fingerprint,
    summary: "",
  };
  preview.summary = summarize(preview, last);
  return preview;
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

function summarize(p: UndoPreview, last: ChangeEntry): string {
  const what =
    "changeId" in p.target
      ? `change ${p.target.changeId} (${last.operation} "${last.target.alias}")`
      : `plan ${p.target.planId} (${p.entries.length} change(s))`;
  if (p.problems.length > 0) {
    return `Undo of ${what} cannot go ahead: ${p.problems.map((x) => x.message).join("; ")}. Next: ${p.problems[0]?.nextStep}.`;
  }
  const steps = p.plan.steps
    .filter((s) => !s.temporary)
    .map((s) =>
      s.action === "create"
        ? `re-create "${s.alias}"`
        : s.action === "delete"
          ? `delete "${s.alias}"`
          : `put back ${s.changes?.map((c) => c.field).join(", ")} of "${s.alias}"`,
    );
  return `Undo of ${what} in workspace ${p.workspaceId}: ${steps.join("; ")}.${p.irreversible.length > 0 ? ` Cannot reverse: ${p.irreversible.map((i) => `"${i.alias}" (${i.reason}; instead: ${i.instead})`).join("; ")}.` : ""}`;
}

/** The preview as text (CLI, tool results): the summary, problems, then the inverse plan. */
export function renderUndoPreview(p: UndoPreview): string {
  const lines = [p.summary];
  for (const e of p.entries) lines.push(`  undoes: ${describeChange(e)}`);
  if (p.problems.length === 0) lines.push(renderPlan(p.plan));
  return lines.join("\n");
}

/**
 * Applies a preview. Refuses (UndoRefusedError) while it has problems, or when the workspace
 * or the journal moved since it was made (a fresh preview differs: "stale"); otherwise
 * applies its plan, each write recorded with source "undo" and `undoes` the target.
 */
export async function applyUndo(
  deps: UndoDeps,
  preview: UndoPreview,
  opts: Pick<Parameters<typeof applyPlan>[2] & object, "onProgress"> = {},
): Promise<UndoResult> {
  if (preview.problems.length > 0) {
    throw new UndoRefusedError(
      "problems",
      `the undo has ${preview.problems.length} problem(s)`,
      preview,
    );
  }
  const fresh = await previewUndo(deps, preview.target);
  if (fresh.fingerprint !== preview.fingerprint || fresh.problems.length > 0) {
    throw new UndoRefusedError(
      "stale",
      `workspace ${preview.workspaceId} changed since the undo was previewed`,
      fresh,
    );
  }
  const undoes = "changeId" in preview.target ? preview.target.changeId : preview.target.planId;
  try {
    // The plan id the user saw is the one its entries carry (the fresh plan has the same steps).
    const plan = { ...fresh.plan, planId: preview.plan.planId };
    const report = await applyPlan(deps.api, plan, {
      ...call(deps),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      change: { ...deps.context, source: "undo", undoes },
    });
    return {
      status: report.status,
      undoPlanId: plan.planId,
      report,
      irreversible: fresh.irreversible,
    };
  } catch (err) {
    if (err instanceof PlanRefusedError) {
      throw new UndoRefusedError(
        "stale",
        `workspace ${preview.workspaceId} changed since the undo was previewed`,
        await previewUndo(deps, preview.target),
      );
    }
    throw err;
  }
}

/** The live integration list as snapshots, for callers that show before/after side by side. */
export function liveSnapshot(i: WorkspaceIntegration): IntegrationSnapshot {
  return { id: i.id, ...integrationConfigOf(i) };
}

/** The compact view of a preview that tools, the dashboard and the MCP App show (no desired state). */
export interface UndoPreviewView {
  target: UndoTarget;
  workspaceId: string;
  summary: string;
  /** The entries undone, one line each, oldest first. */
  undoes: Array<{ id: string; line: string }>;
  /** What will run, in order (each step's field changes before → after). */
  steps: Array<{
    n: number;
    action: "create" | "update" | "delete";
    alias: string;
    integrationName: string;
    changes?: Array<{ field: string; before: unknown; after: unknown }>;
    destructive: boolean;
  }>;
  problems: UndoProblem[];
  irreversible: IrreversibleStep[];
  fingerprint: string;
}

export function undoPreviewView(p: UndoPreview): UndoPreviewView {
  return {
    target: p.target,
    workspaceId: p.workspaceId,
    summary: p.summary,
    undoes: p.entries.map((e) => ({ id: e.id, line: describeChange(e) })),
    steps: p.plan.steps.map((s) => ({
      n: s.n,
      action: s.action,
      alias: s.alias,
      integrationName: s.integrationName,
      ...(s.changes ? { changes: s.changes } : {}),
      destructive: s.destructive,
    })),
    problems: p.problems,
    irreversible: p.irreversible,
    fingerprint: p.fingerprint,
  };
}
