import { open, writeFile } from "node:fs/promises";
import { createInterface } from "node:readline/promises";
import { Document, parse as parseYaml } from "yaml";
import { WeavzApiError } from "../api/errors.js";
import { attributedApi } from "../api/journal.js";
import type { WeavzApi } from "../api/types.js";
import {
  applyPlan,
  exportWorkspace,
  PlanRefusedError,
  planWorkspace,
  type StepOutcome,
} from "../api/workspace-plan.js";
import { type DesiredState, DesiredStateSchema, renderPlan } from "../domain/plan/index.js";
import type { Logger } from "../log.js";
import { cliActor } from "../mcp/actor.js";
import { VERSION } from "../version.js";
import { openBackend } from "./backend.js";
import type { Config } from "./config.js";

/**
 * Exit codes of the GitOps commands, as documented in the README:
 * 0 nothing to change / applied, 2 plan found changes, 1 any error (bad file, API error,
 * problems in the plan, refused or failed apply).
 */
const EXIT = { ok: 0, error: 1, changes: 2 } as const;

/** A mistake the user can fix; its message is printed as is, never with a stack. */
class UserError extends Error {
  override name = "UserError";
}

/** Where the commands write: stdout for results, stderr for progress and errors (tests swap them). */
export interface CommandIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Whether a person can answer a question on stdin. */
  isTty: boolean;
  /** Asks a yes/no question (TTY only). */
  ask: (question: string) => Promise<string>;
}

const processIo = (): CommandIo => ({
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  isTty: process.stdin.isTTY === true,
  ask: async (question) => {
    // Output on stderr: stdout may be redirected to a file while the question must be seen.
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      return await rl.question(question);
    } finally {
      rl.close();
    }
  },
});

/**
 * The gate before apply or undo changes a workspace: without --yes it refuses when no one can
 * answer (stdin not a terminal) and otherwise goes on only on "yes". What it printed says why.
 */
export async function confirmChange(
  io: CommandIo,
  yes: boolean,
  command: "apply" | "undo",
  question: string,
): Promise<boolean> {
  if (yes) return true;
  if (!io.isTty) {
    io.err(
      `weavz-mcp: ${command}: refusing to change the workspace without confirmation: stdin is not a terminal. Review the ${command === "apply" ? "plan" : "undo"} above and pass --yes (or WEAVZ_APPLY_YES=1).\n`,
    );
    return false;
  }
  const answer = await io.ask(`${question} Only "yes" applies: `);
  if (answer.trim().toLowerCase() === "yes") return true;
  io.err(`${command === "apply" ? "Apply" : "Undo"} cancelled; nothing was changed.\n`);
  return false;
}

/** Largest desired-state file plan / apply read (a few thousand integrations fit in 1 MiB). */
const MAX_PLAN_FILE_BYTES = 4 * 1024 * 1024;

/** Too large a desired-state file: found without reading past the limit. */
class FileTooLarge extends Error {}

/** The file's text, reading at most `limit` + 1 bytes (a larger file throws FileTooLarge). */
async function readCapped(file: string, limit: number): Promise<string> {
  const handle = await open(file, "r");
  try {
    const buf = Buffer.alloc(limit + 1);
    let size = 0;
    while (size < buf.length) {
      const { bytesRead } = await handle.read(buf, size, buf.length - size, null);
      if (bytesRead === 0) break;
      size += bytesRead;
    }
    if (size > limit) throw new FileTooLarge();
    return buf.subarray(0, size).toString("utf8");
  } finally {
    await handle.close();
  }
}

/** Reads and validates a desired-state file (YAML or JSON: JSON is valid YAML 1.2). */
async function readDesiredState(
  file: string,
  fallbackWorkspaceId: string | undefined,
): Promise<DesiredState> {
  let text: string;
  try {
    text = await readCapped(file, MAX_PLAN_FILE_BYTES);
  } catch (err) {
    if (err instanceof FileTooLarge) {
      throw new UserError(
        `${file}: the file is larger than ${MAX_PLAN_FILE_BYTES / 1024 / 1024} MiB, the most plan and apply read (thousands of integrations fit in 1 MiB); check that this is the right file.`,
      );
    }
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(
      `${file}: cannot read the file (${code === "ENOENT" ? "no such file" : (code ?? "unreadable")}).`,
    );
  }
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: true });
  } catch (err) {
    // The yaml package's message names the line and column and quotes the line.
    throw new UserError(`${file}: not valid YAML or JSON: ${(err as Error).message}`);
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new UserError(
      `${file}: expected a mapping with workspaceId and integrations (see the README's Declarative setup).`,
    );
  }
  const obj = raw as Record<string, unknown>;
  if (obj.workspaceId === undefined && fallbackWorkspaceId !== undefined) {
    obj.workspaceId = fallbackWorkspaceId;
  }
  const parsed = DesiredStateSchema.safeParse(obj);
  if (!parsed.success) {
    const lines = parsed.error.issues.slice(0, 20).map((i) => {
      const where = i.path.length > 0 ? i.path.map(String).join(".") : "(top level)";
      const hint =
        i.path.length === 1 && i.path[0] === "workspaceId" && obj.workspaceId === undefined
          ? " (add workspaceId to the file, or pass --workspace-id)"
          : "";
      return `  ${where}: ${i.message}${hint}`;
    });
    throw new UserError(`${file}: invalid desired state:\n${lines.join("\n")}`);
  }
  return parsed.data;
}

/** The desired state as the YAML `export` writes: defaults left out so the file reads easily. */
function desiredStateToYaml(state: DesiredState, header: string): string {
  const integrations: Record<string, Record<string, unknown>> = {};
  for (const [alias, entry] of Object.entries(state.integrations)) {
    const { connectionStrategy, ...rest } = entry;
    integrations[alias] = {
      integrationName: rest.integrationName,
      ...(connectionStrategy !== "fixed" ? { connectionStrategy } : {}),
      ...Object.fromEntries(Object.entries(rest).filter(([k]) => k !== "integrationName")),
    };
  }
  const doc = new Document({
    workspaceId: state.workspaceId,
    ...(state.prune ? { prune: true } : {}),
    integrations,
  });
  doc.commentBefore = header;
  return doc.toString({ lineWidth: 0 });
}

/** The workspace to export: --workspace-id, else the only one there is. */
async function exportTarget(api: WeavzApi, configured: string | undefined): Promise<string> {
  if (configured !== undefined) return configured;
  const { workspaces, total } = await api.listWorkspaces({ limit: 20 });
  if (total === 1 && workspaces[0]) return workspaces[0].id;
  const some = workspaces.map((w) => `${w.id} (${w.name})`).join(", ");
  throw new UserError(
    total === 0
      ? "export: there is no workspace to export."
      : `export: ${total} workspaces; choose one with --workspace-id (or WEAVZ_WORKSPACE_ID): ${some}${total > workspaces.length ? ", …" : ""}.`,
  );
}

const outcome = (o: StepOutcome) => `${o.n}. ${o.action} ${o.alias} (${o.integrationName})`;

async function runExport(api: WeavzApi, config: Config, io: CommandIo): Promise<number> {
  const workspaceId = await exportTarget(api, config.api.workspaceId);
  const state = await exportWorkspace(api, workspaceId);
  const yaml = desiredStateToYaml(
    state,
    ` Desired state of workspace ${workspaceId}, exported by weavz-mcp.\n Preview changes with: weavz-mcp plan -f FILE; apply with: weavz-mcp apply -f FILE`,
  );
  if (config.plan.output === undefined) {
    io.out(yaml);
    return EXIT.ok;
  }
  try {
    await writeFile(config.plan.output, yaml, "utf8");
  } catch (err) {
    throw new UserError(
      `${config.plan.output}: cannot write the file (${(err as NodeJS.ErrnoException).code ?? "error"}).`,
    );
  }
  io.err(
    `Wrote ${Object.keys(state.integrations).length} integration(s) of workspace ${workspaceId} to ${config.plan.output}.\n`,
  );
  return EXIT.ok;
}

async function runPlanOrApply(
  api: WeavzApi,
  config: Config,
  desired: DesiredState,
  io: CommandIo,
): Promise<number> {
  const file = config.plan.file as string;
  if (config.plan.prune) desired.prune = true;
  const plan = await planWorkspace(api, desired);
  io.out(`${renderPlan(plan)}\n`);
  if (plan.issues.length > 0) {
    io.err(
      `weavz-mcp: ${file}: ${plan.issues.length} problem(s) listed above; fix them in the file. Nothing was applied.\n`,
    );
    return EXIT.error;
  }
  if (config.command === "plan") return plan.steps.length === 0 ? EXIT.ok : EXIT.changes;
  if (plan.steps.length === 0) {
    io.out("Nothing to apply.\n");
    return EXIT.ok;
  }
  const question = `Apply these ${plan.steps.length} change(s) to workspace ${plan.workspaceId}?`;
  if (!(await confirmChange(io, config.plan.yes, "apply", question))) return EXIT.error;
  let report: Awaited<ReturnType<typeof applyPlan>>;
  try {
    report = await applyPlan(api, plan, {
      onProgress: (done, total, step) => {
        if (done < total)
          io.err(`[${done + 1}/${total}] ${step.action} ${step.alias} (${step.integrationName})\n`);
      },
    });
  } catch (err) {
    if (err instanceof PlanRefusedError) {
      throw new UserError(
        err.reason !== "issues"
          ? `apply: ${err.message}; nothing was applied. Run apply again to see the new plan.`
          : `apply: ${err.message}; nothing was applied.`,
      );
    }
    throw err;
  }
  if (report.status !== "failed") {
    io.out(`Applied ${report.applied.length} change(s) to workspace ${report.workspaceId}.\n`);
    return EXIT.ok;
  }
  const f = report.failed;
  const lines = [
    `weavz-mcp: apply stopped at step ${f ? outcome(f) : "?"}: ${f?.error.code}: ${f?.error.message}`,
    `Applied (${report.applied.length}): ${report.applied.map(outcome).join("; ") || "none"}`,
    `Not applied (${report.notRun.length + (f ? 1 : 0)}): ${[...(f ? [f] : []), ...report.notRun].map(outcome).join("; ")}`,
    "Fix the cause, then run apply again: it plans from the workspace as it now is.",
  ];
  io.err(`${lines.join("\n")}\n`);
  return EXIT.error;
}

/** One line for an error, never a stack: API errors keep their code, status and message. */
function errorLine(err: unknown): string {
  if (err instanceof UserError || (err instanceof Error && err.name === "HistoryUserError"))
    return err.message;
  if (err instanceof WeavzApiError)
    return `Weavz API error ${err.status} ${err.reportedCode}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}

/** Runs `export`, `plan`, `apply`, `history` or `undo` against the configured backend; resolves to the exit code. */
export async function runPlanCommand(
  config: Config,
  log: Logger,
  io: CommandIo = processIo(),
): Promise<number> {
  let backend: Awaited<ReturnType<typeof openBackend>> | undefined;
  try {
    if (config.command === "history" || config.command === "undo") {
      const history = await import("./history-commands.js");
      backend = await openBackend(config, log);
      backend = { ...backend, api: attributedApi(backend.api, cliActor(VERSION)) };
      return config.command === "history"
        ? await history.runHistory(backend, config, io)
        : await history.runUndo(backend, config, io);
    }
    // A bad file is reported before any backend starts (no database is created for it).
    const desired =
      config.command === "export"
        ? undefined
        : await readDesiredState(config.plan.file as string, config.api.workspaceId);
    backend = await openBackend(config, log);
    // apply's writes are journaled as the CLI's.
    const api = attributedApi(backend.api, cliActor(VERSION));
    return desired === undefined
      ? await runExport(api, config, io)
      : await runPlanOrApply(api, config, desired, io);
  } catch (err) {
    io.err(`weavz-mcp: ${errorLine(err)}\n`);
    return EXIT.error;
  } finally {
    await backend?.close().catch(() => undefined);
  }
}
