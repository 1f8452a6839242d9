/**
 * What the plan review shows, worked out from a tool result alone (no DOM here, so Node
 * tests can check it). The results are those of plan_workspace, apply_workspace_plan,
 * delete_workspace_integration, undo_change and the App's own Approve/Cancel helper.
 */

import { isRec, list, type Rec, str } from "./records.js";

/** The parts of a CallToolResult the view reads. */
export interface ToolResultLike {
  isError?: boolean;
  content?: { type: string; text?: string }[];
  structuredContent?: Record<string, unknown>;
  _meta?: Record<string, unknown>;
}

export interface FieldLine {
  field: string;
  before?: unknown;
  after: unknown;
}

export interface StepView {
  n: number;
  kind: "create" | "update" | "delete" | "rename";
  alias: string;
  /** The alias before a rename. */
  from?: string;
  integrationName: string;
  destructive: boolean;
  temporary: boolean;
  /** update/rename: before → after; create/delete: the values set or removed. */
  fields: FieldLine[];
}

export interface ProblemView {
  alias: string;
  field: string;
  message: string;
  suggestions: string[];
}

export interface Outcome {
  tone: "ok" | "error" | "info";
  text: string;
  lines: string[];
}

export interface PlanView {
  title: string;
  workspaceId?: string;
  steps: StepView[];
  problems: ProblemView[];
  notes: string[];
  outcome?: Outcome;
  /** Present when the result is a preview the person can approve here. */
  confirm?: { tool: string; arguments: Record<string, unknown>; token: string; expiresAt?: string };
}

const VIEW_META_KEY = "weavz/view";

/** The first line of a result's text: the summary written for people and models alike. */
export function summaryOf(result: ToolResultLike): string {
  const text = result.content?.find((c) => c.type === "text")?.text ?? "";
  return text.split("\n")[0] ?? "";
}

/** A plan's step as the review shows it. */
export function stepView(s: Rec): StepView {
  const action = str(s.action, "update");
  const changes = list(s.changes);
  const alias = str(s.alias);
  const renamed = action === "update" ? changes.find((c) => c.field === "alias") : undefined;
  let fields: FieldLine[];
  if (action === "update") {
    fields = changes
      .filter((c) => c !== renamed)
      .map((c) => ({ field: str(c.field), before: c.before, after: c.after }));
  } else {
    const body = isRec(s.request) ? s.request : {};
    fields = Object.entries(body)
      .filter(([k]) => k !== "alias" && k !== "integrationName")
      .map(([field, after]) => ({ field, after }));
  }
  return {
    n: typeof s.n === "number" ? s.n : 0,
    kind: renamed ? "rename" : action === "create" || action === "delete" ? action : "update",
    alias,
    ...(renamed ? { from: str(renamed.before) } : {}),
    integrationName: str(s.integrationName),
    destructive: s.destructive === true,
    temporary: s.temporary === true,
    fields,
  };
}

function problems(plan: Rec): ProblemView[] {
  return list(plan.issues).map((i) => ({
    alias: str(i.alias),
    field: str(i.field),
    message: str(i.message),
    suggestions: Array.isArray(i.suggestions) ? i.suggestions.map(String) : [],
  }));
}

function planNotes(plan: Rec): string[] {
  const notes: string[] = [];
  const unchanged = Array.isArray(plan.unchanged) ? plan.unchanged.map(String) : [];
  if (unchanged.length) notes.push(`Already as wanted: ${unchanged.join(", ")}`);
  const unmanaged = list(plan.unmanaged).map((u) => str(u.alias));
  if (unmanaged.length) notes.push(`Not in the plan, left as they are: ${unmanaged.join(", ")}`);
  return notes;
}

const line = (s: Rec) => `${s.n}. ${str(s.action)} ${str(s.alias)} (${str(s.integrationName)})`;

/** The tool a confirmable result came from: named by the server, else told by its shape. */
function toolOf(sc: Rec, meta: Rec | undefined): string | undefined {
  if (meta && typeof meta.tool === "string") return meta.tool;
  if (typeof sc.status === "string" && typeof sc.planId === "string") return "apply_workspace_plan";
  if (typeof sc.deleted === "boolean") return "delete_workspace_integration";
  return undefined;
}

/** The review of one result; INPUT is the call's arguments when the host sent them. */
export function planView(result: ToolResultLike, input?: Rec): PlanView {
  const sc = isRec(result.structuredContent) ? result.structuredContent : {};
  const meta = isRec(result._meta?.[VIEW_META_KEY])
    ? (result._meta?.[VIEW_META_KEY] as Rec)
    : undefined;
  const view: PlanView = { title: "Review", steps: [], problems: [], notes: [] };
  if (result.isError) {
    const text = result.content?.find((c) => c.type === "text")?.text ?? "The call failed.";
    const [head = "", ...rest] = text.split("\n");
    view.title = "Not done";
    view.outcome = { tone: "error", text: head, lines: rest.filter((l) => l.trim() !== "") };
    return view;
  }
  const tool = toolOf(sc, meta);
  const workspaceId = str(sc.workspaceId) || undefined;
  if (workspaceId) view.workspaceId = workspaceId;

  if (sc.cancelled === true) {
    view.title = "Cancelled";
    view.outcome = { tone: "info", text: summaryOf(result), lines: [] };
    return view;
  }
  if (Array.isArray(sc.steps) && isRec(sc.counts)) {
    // plan_workspace: the whole plan.
    view.title = "Plan";
    view.steps = list(sc.steps).map(stepView);
    view.problems = problems(sc);
    view.notes = planNotes(sc);
    view.outcome =
      view.problems.length > 0
        ? {
            tone: "error",
            text: "Fix the problems below, then plan again; nothing can be applied yet.",
            lines: [],
          }
        : view.steps.length === 0
          ? { tone: "ok", text: "Nothing to change: the workspace already matches.", lines: [] }
          : {
              tone: "info",
              text: `Ask the assistant to apply plan ${str(sc.planId)}; it changes nothing until then.`,
              lines: [],
            };
    return view;
  }
  if (tool === "apply_workspace_plan" || tool === "undo_change") {
    view.title = tool === "undo_change" ? "Undo" : "Apply plan";
    const plan = meta && isRec(meta.plan) ? meta.plan : undefined;
    const undo = tool === "undo_change" && isRec(sc.preview) ? sc.preview : undefined;
    if (sc.status === "not_confirmed") {
      // undo_change's preview is a plan's steps already; apply's lists only destructive ones.
      view.steps = undo
        ? list(undo.steps).map(stepView)
        : plan
          ? list(plan.steps).map(stepView)
          : previewSteps(sc);
      if (plan) view.notes = planNotes(plan);
      if (undo) view.notes = undoNotes(undo, sc);
    } else if (sc.status === "applied") {
      view.outcome = { tone: "ok", text: summaryOf(result), lines: list(sc.applied).map(line) };
    } else if (sc.status === "nothing_to_do") {
      view.outcome = { tone: "ok", text: summaryOf(result), lines: [] };
    } else {
      const failed = isRec(sc.failed) ? sc.failed : {};
      const err = isRec(failed.error) ? failed.error : {};
      view.outcome = {
        tone: "error",
        text: `Stopped at step ${fmtN(failed.n)}: ${str(err.code)} ${str(err.message)}`.trim(),
        lines: [
          ...list(sc.applied).map((s) => `done: ${line(s)}`),
          ...list(sc.notRun).map((s) => `not run: ${line(s)}`),
        ],
      };
    }
  } else if (tool === "delete_workspace_integration") {
    view.title = "Delete integration";
    const p = isRec(sc.preview) ? sc.preview : undefined;
    if (p) {
      view.steps = [
        {
          n: 1,
          kind: "delete",
          alias: str(p.alias),
          integrationName: str(p.integrationName),
          destructive: true,
          temporary: false,
          fields: ["displayName", "connectionStrategy", "connectionId", "enabledActions"].map(
            (field) => ({ field, after: p[field] }),
          ),
        },
      ];
      if (typeof p.effect === "string") view.notes.push(p.effect);
    } else if (sc.deleted === true) {
      view.outcome = { tone: "ok", text: summaryOf(result), lines: [] };
    } else {
      view.outcome = { tone: "info", text: summaryOf(result), lines: [] };
    }
  } else if (isRec(sc.preview)) {
    // Any other confirmable tool: its preview, field by field.
    view.title = "Review";
    view.notes = Object.entries(sc.preview).map(([k, v]) => `${k}: ${fmtValue(v)}`);
  } else {
    view.outcome = { tone: "ok", text: summaryOf(result), lines: [] };
  }
  if (typeof sc.confirm === "string" && tool) {
    const args = meta && isRec(meta.arguments) ? meta.arguments : withoutConfirm(input ?? {});
    view.confirm = {
      tool,
      arguments: args,
      token: sc.confirm,
      ...(typeof sc.expiresAt === "string" ? { expiresAt: sc.expiresAt } : {}),
    };
  } else if (!view.outcome && view.steps.length > 0) {
    view.outcome = { tone: "info", text: summaryOf(result), lines: [] };
  }
  return view;
}

/** Without the server's plan: the destructive steps the preview lists, then the others. */
function previewSteps(sc: Rec): StepView[] {
  const preview = isRec(sc.preview) ? sc.preview : {};
  const destructive = list(preview.destructiveSteps).map((s): Rec => ({ ...s, destructive: true }));
  const byN = new Map(destructive.map((s) => [s.n, s]));
  return list(sc.notRun).map((s) => stepView(byN.get(s.n) ?? { ...s, destructive: false }));
}

/** What an undo puts back, and what it cannot. */
function undoNotes(preview: Rec, sc: Rec): string[] {
  const notes: string[] = [];
  if (typeof preview.summary === "string") notes.push(preview.summary);
  for (const u of list(preview.undoes)) notes.push(`Undoes: ${str(u.line)}`);
  const irreversible = list(sc.irreversible).length
    ? list(sc.irreversible)
    : list(preview.irreversible);
  for (const i of irreversible) notes.push(`Cannot be put back: ${str(i.message) || fmtValue(i)}`);
  return notes;
}

function withoutConfirm(args: Rec): Rec {
  const { confirm: _c, ...rest } = args;
  return rest;
}

const fmtN = (v: unknown) => (typeof v === "number" ? String(v) : "?");
const fmtValue = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));
