import { createLogger } from "../log.js";
import { VERSION } from "../version.js";
import { type Config, ConfigError, isPlanCommand, loadConfig } from "./config.js";
import { helpText } from "./help.js";

/**
 * The CLI: reads the configuration, then runs the command, handing each subsystem the part
 * of the configuration it uses. Each command's code is imported only when it runs, so a
 * stdio start never loads the local API, HTTP or plan code (esbuild puts them in chunks).
 */
export async function main(argv: readonly string[]): Promise<void> {
  if (argv[0] === "mcp-server") {
    const { runMcpServerCommand } = await import("./mcp-server-command.js");
    process.exitCode = await runMcpServerCommand(argv.slice(1), {
      out: (t) => process.stdout.write(t),
      err: (t) => process.stderr.write(t),
    });
    return;
  }
  let config: Config;
  try {
    config = loadConfig(argv);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`weavz-mcp: ${err.message}\n`);
      // For plan, exit 2 means "changes pending"; a usage error there must read as an error.
      process.exit(isPlanCommand(argv[0]) ? 1 : 2);
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
  const log = createLogger(config.log.level);
  if (config.command === "local-api") {
    const { runLocalApi } = await import("./run-local-api.js");
    await runLocalApi(
      {
        host: config.http.host,
        port: config.http.port,
        db: config.local.db,
        demo: config.local.demo,
        apiKey: config.api.apiKey,
        historyLimit: config.history.limit,
        httpAllow: config.local.httpAllow,
        allowedOrigins: config.http.allowedOrigins,
      },
      log,
    );
    return;
  }
  if (config.command === "dashboard") {
    const { runDashboard } = await import("./run-dashboard.js");
    await runDashboard(config, log);
    return;
  }
  if (isPlanCommand(config.command)) {
    const { runPlanCommand } = await import("./plan-commands.js");
    // exitCode, not exit(): stdout may still be flushing a long plan into a pipe.
    process.exitCode = await runPlanCommand(config, log);
    return;
  }
  const { runMcp } = await import("./run-mcp.js");
  await runMcp(config, log);
}
