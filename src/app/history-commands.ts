import { apiJournal } from "../api/journal.js";
import type { WeavzApi } from "../api/types.js";
import {
  applyUndo,
  previewUndo,
  renderUndoPreview,
  type UndoDeps,
  UndoRefusedError,
  type UndoTarget,
  UndoTargetNotFoundError,
} from "../api/undo.js";
import { describeChange } from "../domain/journal.js";
import { cliActor } from "../mcp/actor.js";
import { VERSION } from "../version.js";
import type { Backend } from "./backend.js";
import type { Config } from "./config.js";
import { type CommandIo, confirmChange } from "./plan-commands.js";

/** Same exit codes as apply: 0 done (or nothing to do), 1 any error or refusal. */
const EXIT = { ok: 0, error: 1 } as const;

/** A refusal or mistake the user can act on; printed as is. */
export class HistoryUserError extends Error {
  override name = "HistoryUserError";
}

/** The workspace to show: --workspace-id, else the only one there is. */
async function historyWorkspace(api: WeavzApi, configured: string | undefined): Promise<string> {
  if (configured !== undefined) return configured;
  const { workspaces, total } = await api.listWorkspaces({ limit: 20 });
  if (total === 1 && workspaces[0]) return workspaces[0].id;
  throw new HistoryUserError(
    total === 0
      ? "history: there is no workspace."
      : `history: ${total} workspaces; choose one with --workspace-id (or WEAVZ_WORKSPACE_ID): ${workspaces.map((w) => `${w.id} (${w.name})`).join(", ")}.`,
  );
}

const scopeNote = (b: Backend) =>
  b.historyKind === "local-api"
    ? ""
    : "Hosted API: this journal holds only changes made through this weavz-mcp (its MCP server, apply and undo on this machine or its replicas); changes made elsewhere are not in it.\n";

/** `weavz-mcp history`: the newest changes of a workspace, a line each (or --json). */
export async function runHistory(backend: Backend, config: Config, io: CommandIo): Promise<number> {
  const api = backend.api;
  const workspaceId = await historyWorkspace(api, config.api.workspaceId);
  const page = await apiJournal(api, backend.historyKind).list({
    workspaceId,
    limit: config.history.page,
    offset: 0,
  });
  if (config.history.json) {
    io.out(`${JSON.stringify({ workspaceId, ...page }, null, 2)}\n`);
    return EXIT.ok;
  }
  io.err(scopeNote(backend));
  if (page.entries.length === 0) {
    io.out(`No changes recorded in workspace ${workspaceId}.\n`);
    return EXIT.ok;
  }
  io.out(`${page.entries.map(describeChange).join("\n")}\n`);
  if (page.total > page.entries.length) {
    io.err(`(${page.entries.length} of ${page.total}; --limit N shows more)\n`);
  }
  return EXIT.ok;
}

/** `weavz-mcp undo ID [--yes]`: preview, confirm (TTY) or --yes, apply; like `apply`. */
export async function runUndo(backend: Backend, config: Config, io: CommandIo): Promise<number> {
  const raw = config.undoTarget as string;
  const target: UndoTarget = raw.startsWith("plan_")
    ? config.api.workspaceId
      ? { planId: raw, workspaceId: config.api.workspaceId }
      : { planId: raw }
    : { changeId: raw };
  const deps: UndoDeps = {
    api: backend.api,
    journal: apiJournal(backend.api, backend.historyKind),
    context: { actor: cliActor(VERSION) },
  };
  let preview: Awaited<ReturnType<typeof previewUndo>>;
  try {
    preview = await previewUndo(deps, target);
  } catch (err) {
    if (err instanceof UndoTargetNotFoundError) {
      throw new HistoryUserError(
        `undo: ${err.message}. ${scopeNote(backend)}\`weavz-mcp history\` lists the change ids.`.replace(
          "\n",
          " ",
        ),
      );
    }
    throw err;
  }
  if (preview.problems.length > 0) {
    // The refusal below says it all; stdout still names what was asked for.
    for (const e of preview.entries) io.out(`undoes: ${describeChange(e)}\n`);
    io.err(
      `weavz-mcp: undo: refused; nothing was changed. ${preview.problems.map((p) => `${p.message}. Next: ${p.nextStep}.`).join(" ")}\n`,
    );
    return EXIT.error;
  }
  io.out(`${renderUndoPreview(preview)}\n`);
  const question = `Undo in workspace ${preview.workspaceId} (${preview.plan.steps.length} step(s))?`;
  if (!(await confirmChange(io, config.plan.yes, "undo", question))) return EXIT.error;
  try {
    const result = await applyUndo(deps, preview, {
      onProgress: (done, total, step) => {
        if (done < total)
          io.err(`[${done + 1}/${total}] ${step.action} ${step.alias} (${step.integrationName})\n`);
      },
    });
    if (result.status === "failed") {
      const f = result.report.failed;
      io.err(
        `weavz-mcp: undo stopped at step ${f?.n} (${f?.action} ${f?.alias}): ${f?.error.code}: ${f?.error.message}. Applied: ${result.report.applied.length}. Run \`weavz-mcp history\` and undo again for what is left.\n`,
      );
      return EXIT.error;
    }
    io.out(
      `Undone: ${result.report.applied.length} change(s) in workspace ${preview.workspaceId}. To redo, undo plan ${result.undoPlanId}.\n`,
    );
    return EXIT.ok;
  } catch (err) {
    if (err instanceof UndoRefusedError) {
      throw new HistoryUserError(
        `undo: ${err.message}; nothing was changed. ${err.preview.problems.map((p) => `${p.message}. Next: ${p.nextStep}.`).join(" ") || "Run undo again to see the new preview."}`,
      );
    }
    throw err;
  }
}
