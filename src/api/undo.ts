// Owns the undo service: previewUndo and applyUndo, the one contract every caller goes through.
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
import type { ChangeEntry } from "../domain/journal.js";
import { canonicalJson } from "../domain/plan/index.js";
import { WeavzError } from "./errors.js";
import { entriesOf, touchedOf } from "./undo-entries.js";
import { inversePlan } from "./undo-inverse.js";
import {
  undoCallOptions as call,
  type UndoDeps,
  type UndoPreview,
  type UndoResult,
  type UndoTarget,
} from "./undo-model.js";
import { changedSince } from "./undo-since.js";
import { summarize } from "./undo-view.js";
import { applyPlan, PlanRefusedError } from "./workspace-plan.js";

export { UndoTargetNotFoundError } from "./undo-entries.js";
export type {
  IrreversibleStep,
  UndoDeps,
  UndoPreview,
  UndoProblem,
  UndoResult,
  UndoTarget,
} from "./undo-model.js";
export {
  liveSnapshot,
  renderUndoPreview,
  type UndoPreviewView,
  undoPreviewView,
} from "./undo-view.js";

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

/**
 * Computes the inverse of a change or plan as a plan, with everything that stands in its way.
 * Reads only. Throws UndoTargetNotFoundError for an unknown change or plan.
 */
export async function previewUndo(deps: UndoDeps, target: UndoTarget): Promise<UndoPreview> {
  const { workspaceId, entries } = await entriesOf(deps, target);
  const touched = touchedOf(entries);
  const live = (await deps.api.listWorkspaceIntegrations(workspaceId, call(deps))).integrations;
  const last = entries[entries.length - 1] as ChangeEntry;

  // 1. Has anything moved since? Each touched integration must be as the last entry left it.
  const problems = await changedSince(deps, workspaceId, touched, live);

  // 2-3. The desired state (the workspace as it is now, each touched integration as it was),
  //      planned; an integration the plan engine cannot put back is left as it is.
  const { plan, irreversible } = await inversePlan(deps, workspaceId, touched, live);
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
