import { readFileSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline/promises";
import { parseArgs } from "node:util";
import { parse as parseYaml, stringify as toYaml } from "yaml";
import { openBackend } from "./backend.js";
import { loadConfig } from "./config.js";
import { fieldIssuesFromZod } from "./domain/errors.js";
import { DesiredStateSchema, planSummary, renderPlan } from "./domain/plan/index.js";
import { createLogger } from "./log.js";

/** Exit codes of export / plan / apply: 0 nothing to change, 2 changes (planned or made), 1 error. */
export const EXIT = { same: 0, changes: 2, error: 1 } as const;

const BACKEND_FLAGS = ["api-key", "base-url", "db", "timeout-ms", "log-level"] as const;

/** Runs `weavz-mcp export|plan|apply …`; returns the exit code. */
export async function runPlanCli(
  command: "export" | "plan" | "apply",
  argv: string[],
): Promise<number> {
  const out = (s: string) => process.stdout.write(`${s}\n`);
  const fail = (s: string) => {
    process.stderr.write(`weavz-mcp ${command}: ${s}\n`);
    return EXIT.error;
  };
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      options: {
        file: { type: "string", short: "f" },
        output: { type: "string", short: "o" },
        "workspace-id": { type: "string" },
        prune: { type: "boolean" },
        yes: { type: "boolean", short: "y" },
        "no-demo": { type: "boolean" },
        ...Object.fromEntries(BACKEND_FLAGS.map((f) => [f, { type: "string" as const }])),
      },
    }).values as Record<string, string | boolean | undefined>;
  } catch (err) {
    return fail(`${(err as Error).message}. See --help.`);
  }
  // The same backend selection as the MCP server: hosted with WEAVZ_API_KEY, else embedded.
  const passThrough: string[] = [];
  for (const f of BACKEND_FLAGS)
    if (typeof values[f] === "string") passThrough.push(`--${f}`, values[f] as string);
  if (values["no-demo"]) passThrough.push("--no-demo");
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(passThrough, { WEAVZ_LOG_LEVEL: "warn", ...process.env });
  } catch (err) {
    return fail((err as Error).message);
  }
  const log = createLogger(config.logLevel);
  const workspaceFlag = (values["workspace-id"] as string | undefined) ?? config.workspaceId;
  const backend = await openBackend(config, log).catch((err: unknown) => err as Error);
  if (backend instanceof Error) return fail(backend.message);
  try {
    const { exportWorkspace, planWorkspace, applyPlan, PlanRefusedError } = await import(
      "./api/workspace-plan.js"
    );
    if (command === "export") {
      let ws = workspaceFlag;
      if (!ws) {
        const { workspaces } = await backend.api.listWorkspaces({ limit: 100 });
        if (workspaces.length !== 1)
          return fail(
            `pass --workspace-id (workspaces: ${workspaces.map((w) => `${w.id} (${w.name})`).join(", ") || "none"})`,
          );
        ws = (workspaces[0] as { id: string }).id;
      }
      const state = await exportWorkspace(backend.api, ws);
      const text = `# weavz-mcp desired state of workspace ${ws}; edit, then: weavz-mcp plan -f FILE\n${toYaml(state)}`;
      if (typeof values.output === "string") writeFileSync(values.output, text);
      else process.stdout.write(text);
      return EXIT.same;
    }
    const file = values.file;
    if (typeof file !== "string")
      return fail("-f FILE is required (YAML or JSON; weavz-mcp export writes one)");
    let raw: unknown;
    try {
      raw = parseYaml(readFileSync(file, "utf8"));
    } catch (err) {
      return fail(`cannot read ${file}: ${(err as Error).message}`);
    }
    if (raw && typeof raw === "object" && !("workspaceId" in raw) && workspaceFlag)
      (raw as Record<string, unknown>).workspaceId = workspaceFlag;
    if (raw && typeof raw === "object" && values.prune)
      (raw as Record<string, unknown>).prune = true;
    const parsed = DesiredStateSchema.safeParse(raw);
    if (!parsed.success) {
      return fail(
        `${file} is not a desired state:\n${fieldIssuesFromZod(parsed.error)
          .map((i) => `  ${i.field}: ${i.message}`)
          .join("\n")}`,
      );
    }
    const plan = await planWorkspace(backend.api, parsed.data);
    out(renderPlan(plan));
    if (plan.issues.length > 0) return EXIT.error;
    if (plan.steps.length === 0) return EXIT.same;
    if (command === "plan") return EXIT.changes;
    if (!values.yes) {
      if (!process.stdin.isTTY)
        return fail("no terminal to confirm on; pass --yes to apply without asking");
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      const answer = await rl.question(
        `Apply ${plan.steps.length} step(s) to workspace ${plan.workspaceId}? Type yes: `,
      );
      rl.close();
      if (answer.trim().toLowerCase() !== "yes") return fail("not applied (answer was not yes)");
    }
    try {
      const report = await applyPlan(backend.api, plan, {
        onProgress: (done, total, step) => {
          if (done < total) out(`[${done + 1}/${total}] ${step.action} ${step.alias}`);
        },
      });
      if (report.failed) {
        out(
          `Stopped at step ${report.failed.n} (${report.failed.action} ${report.failed.alias}): ${report.failed.error.code}: ${report.failed.error.message}`,
        );
        out(
          `Applied: ${report.applied.map((s) => `${s.n}. ${s.action} ${s.alias}`).join("; ") || "none"}`,
        );
        out(
          `Not run: ${report.notRun.map((s) => `${s.n}. ${s.action} ${s.alias}`).join("; ") || "none"}`,
        );
        return EXIT.error;
      }
      out(`Applied: ${planSummary(plan)}`);
      return report.status === "nothing_to_do" ? EXIT.same : EXIT.changes;
    } catch (err) {
      if (err instanceof PlanRefusedError)
        return fail(`${err.message}; nothing applied. Run plan again.`);
      throw err;
    }
  } catch (err) {
    return fail((err as Error).message);
  } finally {
    await backend.close().catch(() => {});
  }
}
