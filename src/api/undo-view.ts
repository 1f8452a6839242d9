// Owns how an undo preview is shown: its summary, its text and the compact view tools display.
import { integrationConfigOf, type WorkspaceIntegration } from "../domain/index.js";
import { type ChangeEntry, describeChange, type IntegrationSnapshot } from "../domain/journal.js";
import { renderPlan } from "../domain/plan/index.js";
import type { IrreversibleStep, UndoPreview, UndoProblem, UndoTarget } from "./undo-model.js";

/** One paragraph for people (and the model): what the undo will do, or why it cannot. */
export function summarize(p: UndoPreview, last: ChangeEntry): string {
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
