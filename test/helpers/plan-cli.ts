import { ConfigError, isPlanCommand, loadConfig } from "../../src/app/config.js";
import { runPlanCommand } from "../../src/app/plan-commands.js";
import { createLogger } from "../../src/log.js";
import type { CliRun } from "./cli.js";

/**
 * `weavz-mcp export|plan|apply ARGS` run in this process, as src/app/main.ts runs it: the
 * same config parsing (a usage error exits 1 with "weavz-mcp: …" on stderr), the same command,
 * its stdout, stderr and log lines captured, stdin not a terminal. The embedded backend is the
 * real one (SQLite, the local API on a loopback port); only the process boundary is left out,
 * which the spawned smoke runs in plan-cli.test.ts keep covering. The env is empty, as the
 * spawned runs clear WEAVZ_*.
 */
export async function runPlanCli(args: string[]): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(args, {});
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return { code: isPlanCommand(args[0]) ? 1 : 2, stdout, stderr: `weavz-mcp: ${err.message}\n` };
  }
  const log = createLogger(config.log.level, "weavz-mcp", (line) => {
    stderr += line;
  });
  const code = await runPlanCommand(config, log, {
    out: (t) => {
      stdout += t;
    },
    err: (t) => {
      stderr += t;
    },
    isTty: false,
    ask: () => Promise.reject(new Error("not a terminal")),
  });
  return { code, stdout, stderr };
}
