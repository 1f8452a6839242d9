#!/usr/bin/env node
import nodeModule from "node:module";
import {
  type Command,
  type Config,
  ConfigError,
  isPlanCommand,
  loadConfig,
  OPTIONS,
  type OptionSpec,
} from "./app/config.js";
import { createLogger } from "./log.js";
import { VERSION } from "./version.js";

/** The text of --help, built from the option table so it cannot drift from the parser. */
export function helpText(): string {
  /** The options picked, a line each: flag (and one-letter alias), env twin, meaning, default. */
  const rows = (pick: (o: OptionSpec) => boolean, withDefault: boolean) =>
    OPTIONS.filter(pick)
      .map((o) => {
        const flag = `${o.short ? `-${o.short}, ` : ""}--${o.flag}${o.type === "string" ? " <value>" : ""}`;
        const dflt = withDefault ? ` [default: ${o.default}]` : "";
        return `  ${flag.padEnd(26)} ${o.env.padEnd(22)} ${o.description}${dflt}`;
      })
      .join("\n");
  const section = (cmd: Command) => rows((o) => o.commands.includes(cmd), true);
  return `weavz-mcp ${VERSION}: manage Weavz workspace integrations from MCP clients.

Usage:
  weavz-mcp [options]              MCP server over stdio (what MCP clients launch)
  weavz-mcp --transport http       MCP server over Streamable HTTP at http://HOST:PORT/mcp
  weavz-mcp local-api [options]    The local Weavz-compatible REST API alone
  weavz-mcp dashboard [--port N]   The live dashboard alone, on loopback (for stdio users)
  weavz-mcp export [-o FILE]       Write a workspace's integrations as a desired-state YAML file
  weavz-mcp plan -f FILE           Show what applying FILE would change (exit 0 none, 2 some, 1 error)
  weavz-mcp apply -f FILE [--yes]  Apply FILE after confirmation (exit 0 done, 1 error)
  weavz-mcp history [--limit N] [--json]   Recent changes of a workspace, newest first
  weavz-mcp undo CHANGE_ID|PLAN_ID [--yes] Undo a change or a whole apply after confirmation
  weavz-mcp mcp-server token ID    Mint a local MCP server's bearer token; prints it and the endpoint
  weavz-mcp --help | --version

Without WEAVZ_API_KEY the MCP server runs on an embedded local Weavz API (SQLite).

MCP server options (flag, env twin):
${section("mcp")}

local-api options:
${section("local-api")}

dashboard options (besides the backend's: --api-key, --base-url, --db, --journal-db, --no-demo,
--timeout-ms, --poll-interval-ms, --log-level):
${rows((o) => o.flag === "port", true)}

export / plan / apply / history / undo options (besides the backend's: --api-key, --base-url, --workspace-id, --db,
--no-demo, --timeout-ms, --log-level):
${rows((o) => o.commands.every(isPlanCommand), false)}
`;
}

async function main(): Promise<void> {
  // Node ≥ 22.1 caches compiled code between runs (compiling the bundle is a large part of
  // cold start); on Node 20 the function does not exist and this is a no-op.
  (nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();
  if (process.argv[2] === "mcp-server") {
    const { runMcpServerCommand } = await import("./app/mcp-server-command.js");
    process.exitCode = await runMcpServerCommand(process.argv.slice(3), {
      out: (t) => process.stdout.write(t),
      err: (t) => process.stderr.write(t),
    });
    return;
  }
  let config: Config;
  try {
    config = loadConfig(process.argv.slice(2));
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`weavz-mcp: ${err.message}\n`);
      // For plan, exit 2 means "changes pending"; a usage error there must read as an error.
      process.exit(isPlanCommand(process.argv[2]) ? 1 : 2);
    }
    throw err;
  }
  if (config.command === "help") {
    process.stdout.write(helpText());
    return;
  }
  if (config.command === "version") {
    process.stdout.write(`${VERSION}\n`);
    return;
  }
  const log = createLogger(config.logLevel);
  if (config.command === "local-api") {
    const { runLocalApi } = await import("./app/run-local-api.js");
    await runLocalApi(config, log);
    return;
  }
  if (config.command === "dashboard") {
    const { runDashboard } = await import("./dashboard/run.js");
    await runDashboard(config, log);
    return;
  }
  if (isPlanCommand(config.command)) {
    const { runPlanCommand } = await import("./app/plan-commands.js");
    // exitCode, not exit(): stdout may still be flushing a long plan into a pipe.
    process.exitCode = await runPlanCommand(config, log);
    return;
  }
  const { runMcp } = await import("./app/run-mcp.js");
  await runMcp(config, log);
}

main().catch((err: unknown) => {
  // Last resort: one line, no stack (it may hold paths or secrets), non-zero exit.
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`weavz-mcp: fatal: ${message}\n`);
  process.exit(1);
});
