// Owns the shapes of the undo contract: what an undo targets, works over, previews and returns.
import type { ChangeContext, ChangeEntry, ChangeJournal } from "../domain/journal.js";
import type { Plan } from "../domain/plan/index.js";
import type { CallOptions, WeavzApi } from "./types.js";
import type { ApplyReport } from "./workspace-plan.js";

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

/** The call options of an undo's API reads and writes (its cancellation signal). */
export const undoCallOptions = (deps: UndoDeps): CallOptions =>
  deps.signal ? { signal: deps.signal } : {};
