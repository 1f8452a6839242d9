import {
  type CatalogIndex,
  type CatalogIntegration,
  indexCatalog,
  integrationConfigOf,
} from "../domain/index.js";
import { authModeUsesBearer } from "../domain/mcp-server.js";
import {
  computePlan,
  createRequest,
  type DesiredState,
  type LiveIntegration,
  type LiveState,
  type Plan,
  type PlanStep,
  type PlanStepWire,
  type PlanWire,
  stepsDigest,
} from "../domain/plan/index.js";
import { WeavzAbortError, WeavzApiError, WeavzError } from "./errors.js";
import { allPages, PAGE } from "./pages.js";
import type { CallOptions, WeavzApi } from "./types.js";

/** The workspace as it is now: integrations, connections, static-bearer MCP servers. */
export async function loadLiveState(
  api: WeavzApi,
  workspaceId: string,
  opts: CallOptions = {},
): Promise<LiveState> {
  const [list, connections, servers] = await Promise.all([
    api.listWorkspaceIntegrations(workspaceId, opts),
    allPages(async (offset) => {
      const r = await api.listConnections({ limit: PAGE, offset }, opts);
      return { items: r.connections, total: r.total };
    }),
    allPages(async (offset) => {
      const r = await api.listMcpServers({ workspaceId, limit: PAGE, offset }, opts);
      return { items: r.servers, total: r.total };
    }),
  ]);
  const integrations: LiveIntegration[] = list.integrations.map((i) => ({
    id: i.id,
    ...integrationConfigOf(i),
  }));
  return {
    workspaceId,
    integrations,
    connections: connections.map((c) => ({
      id: c.id,
      integrationName: c.integrationName,
      workspaceId: c.workspaceId ?? null,
      displayName: c.displayName,
      status: c.status,
    })),
    bearerServers: servers
      .filter((s) => s.hasBearerToken || authModeUsesBearer(s.authMode))
      .map((s) => ({ id: s.id, name: s.name })),
  };
}

/**
 * The catalog entries a desired state names, fetched one by one (the full catalog is large);
 * for a name the catalog lacks, the API's own suggestions become the index's closest matches.
 */
export async function loadCatalogFor(
  api: WeavzApi,
  names: Iterable<string>,
  opts: CallOptions = {},
): Promise<CatalogIndex> {
  const found: CatalogIntegration[] = [];
  const suggestions = new Map<string, string[]>();
  await Promise.all(
    [...new Set(names)].map(async (name) => {
      try {
        found.push((await api.getCatalogIntegration(name, opts)).integration);
      } catch (err) {
        if (!(err instanceof WeavzApiError) || err.status !== 404) throw err;
        const fromApi = err.details?.suggestions;
        suggestions.set(
          name,
          Array.isArray(fromApi)
            ? fromApi.filter((s): s is string => typeof s === "string").slice(0, 5)
            : [],
        );
      }
    }),
  );
  const index = indexCatalog(found);
  return { ...index, suggest: (name, max = 5) => (suggestions.get(name) ?? []).slice(0, max) };
}

/** Plans a desired state against the live workspace (reads only). */
export async function planWorkspace(
  api: WeavzApi,
  desired: DesiredState,
  opts: CallOptions & { planId?: string } = {},
): Promise<Plan> {
  const names = Object.values(desired.integrations).map((d) => d.integrationName);
  const [live, catalog] = await Promise.all([
    loadLiveState(api, desired.workspaceId, opts),
    loadCatalogFor(api, names, opts),
  ]);
  return computePlan(desired, live, catalog, { planId: opts.planId });
}

/** Why an apply did not start; the caller words it. */
export class PlanRefusedError extends WeavzError {
  override name = "PlanRefusedError";
  constructor(
    /**
     * "stale": the workspace or the plan's desired state differs from when it was planned;
     * "altered": the plan's steps are not those its desired state gives (an edited plan);
     * "issues": the desired state has problems.
     */
    readonly reason: "stale" | "altered" | "issues",
    message: string,
    readonly plan: Plan,
  ) {
    super(message);
  }
}

/** A step's outcome in an apply report. */
export interface StepOutcome {
  n: number;
  action: PlanStepWire["action"];
  alias: string;
  integrationName: string;
  id?: string | undefined;
}

/** What an apply did: every step applied, the one that failed, and those never run. */
export interface ApplyReport {
  planId: string;
  workspaceId: string;
  status: "applied" | "nothing_to_do" | "failed";
  applied: StepOutcome[];
  failed?: StepOutcome & { error: { code: string; message: string; status?: number } };
  notRun: StepOutcome[];
}

/** Options of {@link applyPlan}. */
export interface ApplyOptions extends CallOptions {
  /** Called before each step (done = steps finished so far). */
  onProgress?: (done: number, total: number, step: PlanStep) => void | Promise<void>;
}

/** A step as an apply report lists it; `id` is the one the API gave, else the plan's. */
export function outcomeOf(s: PlanStepWire, id?: string): StepOutcome {
  const known = id ?? s.id;
  return {
    n: s.n,
    action: s.action,
    alias: s.alias,
    integrationName: s.integrationName,
    ...(known ? { id: known } : {}),
  };
}

/**
 * Applies a plan: re-plans its desired state against the workspace now and refuses unless the
 * fingerprint is the plan's (PlanRefusedError "stale": the workspace or the desired state
 * changed) and the recomputed steps are exactly the plan's ("altered"), so only the steps the
 * user saw and confirmed run, whatever else a plan sent back whole says. A workspace already
 * in the desired state is "nothing_to_do" (re-applying is a no-op). Runs the steps in order
 * and stops at the first failure.
 */
export async function applyPlan(
  api: WeavzApi,
  plan: Pick<PlanWire, "planId" | "workspaceId" | "fingerprint" | "desired" | "steps">,
  opts: ApplyOptions = {},
): Promise<ApplyReport> {
  const now = await planWorkspace(api, plan.desired, { ...opts, planId: plan.planId });
  const reached = now.issues.length === 0 && now.steps.length === 0;
  if (now.fingerprint !== plan.fingerprint && !reached) {
    throw new PlanRefusedError(
      "stale",
      `workspace ${plan.workspaceId} changed since plan ${plan.planId} was made`,
      now,
    );
  }
  if (!reached && stepsDigest(now.steps) !== stepsDigest(plan.steps)) {
    throw new PlanRefusedError(
      "altered",
      `plan ${plan.planId}'s steps are not the ones its desired state gives for workspace ${plan.workspaceId}`,
      now,
    );
  }
  if (now.issues.length > 0) {
    throw new PlanRefusedError(
      "issues",
      `plan ${plan.planId} has ${now.issues.length} problem(s)`,
      now,
    );
  }
  const report: ApplyReport = {
    planId: plan.planId,
    workspaceId: plan.workspaceId,
    status: now.steps.length === 0 ? "nothing_to_do" : "applied",
    applied: [],
    notRun: [],
  };
  const ws = plan.workspaceId;
  const total = now.steps.length;
  // Each write is journaled as a step of this plan (an undo passes source "undo").
  const change = { ...opts.change, source: opts.change?.source ?? "apply", planId: plan.planId };
  for (const [i, step] of now.steps.entries()) {
    if (report.failed) {
      report.notRun.push(outcomeOf(step));
      continue;
    }
    await opts.onProgress?.(i, total, step);
    try {
      opts.signal?.throwIfAborted();
      const stepOpts = { ...opts, change: { ...change, step: step.n } };
      let id = step.id;
      if (step.action === "create") {
        const r = await api.createWorkspaceIntegration(ws, step.request, stepOpts);
        id = r.integration.id;
      } else if (step.action === "update") {
        await api.updateWorkspaceIntegration(ws, step.id, step.request, stepOpts);
      } else {
        await api.deleteWorkspaceIntegration(ws, step.id, stepOpts);
      }
      report.applied.push(outcomeOf(step, id));
    } catch (err) {
      report.status = "failed";
      report.failed = {
        ...outcomeOf(step),
        error:
          err instanceof WeavzApiError
            ? { code: err.reportedCode, message: err.message, status: err.status }
            : {
                code: isCancel(err) ? "CANCELLED" : "FAILED",
                message: err instanceof Error ? err.message : String(err),
              },
      };
    }
  }
  if (total > 0 && !report.failed)
    await opts.onProgress?.(total, total, now.steps[total - 1] as PlanStep);
  return report;
}

/** A stop by the caller: the client's WeavzAbortError, or the signal's own AbortError. */
function isCancel(err: unknown): boolean {
  return err instanceof WeavzAbortError || (err instanceof Error && err.name === "AbortError");
}

/** The live workspace as a desired state: what `export` writes (plan on it shows no change). */
export async function exportWorkspace(
  api: WeavzApi,
  workspaceId: string,
  opts: CallOptions = {},
): Promise<DesiredState> {
  const { integrations } = await api.listWorkspaceIntegrations(workspaceId, opts);
  const out: DesiredState = { workspaceId, prune: false, integrations: {} };
  const sorted = [...integrations].sort(
    (a, b) => a.sortOrder - b.sortOrder || a.alias.localeCompare(b.alias),
  );
  for (const i of sorted) {
    const { alias: _alias, ...entry } = createRequest(integrationConfigOf(i));
    out.integrations[i.alias] = entry;
  }
  return out;
}
