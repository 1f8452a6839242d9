import { z } from "zod";
import {
  applyUndo,
  previewUndo,
  type UndoDeps,
  type UndoPreview,
  UndoRefusedError,
  type UndoTarget,
  UndoTargetNotFoundError,
  undoPreviewView,
} from "../../api/undo.js";
import { IdSchema } from "../../domain/common.js";
import { WorkspaceIdArg } from "../args.js";
import { ConfirmArg, ConfirmOutput } from "../confirm.js";
import { DESTRUCTIVE, defineTool, type ToolContext, ToolInputError } from "../tool.js";
import { journalScope } from "./list-changes.js";
import { changeLinks, stepLine, stepProgress } from "./shared.js";

// Steps as apply_workspace_plan reports them ({n, action, alias, integrationName, id?}); left
// open in the schema to keep tools/list small.
const StepOut = z.record(z.string(), z.unknown());

type Args = {
  changeId?: string | undefined;
  planId?: string | undefined;
  workspaceId?: string | undefined;
};

function targetOf(args: Args, ctx: ToolContext): UndoTarget {
  if ((args.changeId === undefined) === (args.planId === undefined)) {
    throw new ToolInputError(
      "Give exactly one of changeId or planId.",
      "pass a changeId from list_changes (one change), or a planId (every step of that apply or undo).",
    );
  }
  if (args.changeId !== undefined) return { changeId: args.changeId };
  const ws = args.workspaceId ?? ctx.defaultWorkspaceId;
  return ws
    ? { planId: args.planId as string, workspaceId: ws }
    : { planId: args.planId as string };
}

const depsOf = (ctx: ToolContext): UndoDeps => ({
  api: ctx.api,
  journal: ctx.journal,
  context: { actor: ctx.actor },
  signal: ctx.signal,
});

/** The preview, or the refusal as the model reads it (what is in the way, what to do first). */
async function preview(args: Args, ctx: ToolContext): Promise<UndoPreview> {
  // The caller's workspace limit applies before the journal is read (through the API as
  // this caller may use it: SCOPE_DENIED outside it), and to the workspace a change names.
  const allowed = (id: string) => ctx.api.getWorkspace(id, { signal: ctx.signal });
  if (args.workspaceId !== undefined) await allowed(args.workspaceId);
  let p: UndoPreview;
  try {
    p = await previewUndo(depsOf(ctx), targetOf(args, ctx));
  } catch (err) {
    if (err instanceof UndoTargetNotFoundError) {
      throw new ToolInputError(
        `${err.message}. ${journalScope(ctx.journal.kind)}`,
        "call list_changes to see the change ids (and plan ids) that can be undone.",
        "NOT_FOUND",
      );
    }
    throw err;
  }
  if (p.workspaceId !== args.workspaceId) await allowed(p.workspaceId);
  refuseProblems(p);
  return p;
}

function refuseProblems(p: UndoPreview): void {
  const first = p.problems[0];
  if (!first) return;
  const later = p.problems.find((x) => x.laterChange)?.laterChange;
  const cannot = p.irreversible.map(
    (i) => `"${i.alias}" cannot be put back: ${i.reason}. Instead: ${i.instead}`,
  );
  throw new ToolInputError(
    `Cannot undo: ${p.problems.map((x) => x.message).join("; ")}.${cannot.length > 0 ? ` ${cannot.join(". ")}.` : ""} Nothing was changed.`,
    later
      ? `ask the user whether to undo the later change first: call undo_change with ${later.planId ? `planId ${later.planId} (or changeId ${later.id})` : `changeId ${later.id}`}, then undo this one again.`
      : first.nextStep,
    first.kind === "changed_since"
      ? "CHANGED_SINCE"
      : first.kind === "nothing_to_undo"
        ? "NOTHING_TO_UNDO"
        : "UNDO_PROBLEM",
  );
}

export default defineTool({
  name: "undo_change",
  title: "Undo a change",
  toolset: "history",
  description:
    "Put back what a change (changeId) or a whole apply (planId) altered, as a previewed plan; the user confirms first. Refuses if the integration changed since.",
  input: z.strictObject({
    changeId: IdSchema.optional().describe("From list_changes."),
    planId: IdSchema.optional().describe("Undo every step of this apply or undo."),
    workspaceId: WorkspaceIdArg,
    confirm: ConfirmArg,
  }),
  output: z.object({
    status: z.enum(["applied", "nothing_to_do", "failed", "not_confirmed"]),
    workspaceId: z.string(),
    undoPlanId: z.string().optional().describe("Undo this to redo."),
    applied: z.array(StepOut),
    failed: StepOut.optional().describe("The step that failed, with its error."),
    notRun: z.array(StepOut),
    irreversible: z.array(z.record(z.string(), z.unknown())),
    ...ConfirmOutput,
  }),
  annotations: DESTRUCTIVE,
  hints: { NOT_FOUND: "call list_changes to see what can be undone." },
  confirm: {
    async inspect(args, ctx) {
      const p = await preview(args, ctx);
      const view = undoPreviewView(p);
      return {
        key: { fingerprint: p.fingerprint, target: p.target },
        question: `${p.summary} Go ahead?`,
        what: `undoing ${"changeId" in p.target ? `change ${p.target.changeId}` : `plan ${p.target.planId}`} in workspace ${p.workspaceId}`,
        preview: view as unknown as Record<string, unknown>,
      };
    },
    notDone(_args, pending) {
      const view = pending.preview as unknown as ReturnType<typeof undoPreviewView>;
      return {
        status: "not_confirmed",
        workspaceId: view.workspaceId,
        applied: [],
        notRun: view.steps.map((s) => ({
          n: s.n,
          action: s.action,
          alias: s.alias,
          integrationName: s.integrationName,
        })),
        irreversible: view.irreversible as unknown as Record<string, unknown>[],
      };
    },
  },
  async handler(args, ctx) {
    const p = await preview(args, ctx);
    let result: Awaited<ReturnType<typeof applyUndo>>;
    try {
      result = await applyUndo(depsOf(ctx), p, {
        onProgress: stepProgress(ctx),
      });
    } catch (err) {
      if (err instanceof UndoRefusedError) {
        refuseProblems(err.preview);
        throw new ToolInputError(
          `Workspace ${p.workspaceId} changed while the undo was being confirmed; nothing was changed.`,
          "call undo_change again without confirm for a fresh preview, show it to the user, and confirm again.",
          "CHANGED_SINCE",
        );
      }
      throw err;
    }
    if (result.report.applied.length > 0) ctx.changed(p.workspaceId);
    const { report } = result;
    const summary =
      report.status === "failed"
        ? `Undo stopped at step ${report.failed?.n} (${report.failed?.action} ${report.failed?.alias}): ${report.failed?.error.code}: ${report.failed?.error.message}. Applied: ${report.applied.map(stepLine).join("; ") || "none"}. Next: call list_changes, then undo_change again for what is left.`
        : `Undone (undo plan ${result.undoPlanId}; undo that planId to redo): ${report.applied.map(stepLine).join("; ") || "nothing to do"}.${result.irreversible.length > 0 ? ` Not reversed: ${result.irreversible.length} step(s), see irreversible.` : ""}`;
    return {
      data: {
        status: report.status,
        workspaceId: p.workspaceId,
        undoPlanId: result.undoPlanId,
        applied: report.applied.map((s) => ({ ...s })),
        ...(report.failed ? { failed: { ...report.failed } } : {}),
        notRun: report.notRun.map((s) => ({ ...s })),
        irreversible: result.irreversible as unknown as Record<string, unknown>[],
      },
      summary,
      links: changeLinks(p.workspaceId),
    };
  },
});
