import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { HttpAllowEntry } from "../local/execute/http-allow.js";
import { startLocalApi } from "../local/server.js";
import type { Logger } from "../log.js";

/** What the local API run uses of the configuration (from config.http, local, api, history). */
export interface LocalApiRun {
  host: string;
  port: number;
  db: string;
  demo: boolean;
  /** The key the server accepts; without one it keeps (or generates) its own. */
  apiKey: string | undefined;
  /** Change journal entries kept per workspace. */
  historyLimit: number;
  /** Private destinations the http built-in may reach anyway. */
  httpAllow: readonly HttpAllowEntry[];
  /** Extra Origin values its MCP endpoints accept. */
  allowedOrigins: readonly string[];
}

/**
 * `weavz-mcp local-api`: runs the local Weavz-compatible API until SIGINT/SIGTERM.
 * stdout gets the listening URL (and a generated key, once); logs go to stderr.
 */
export async function runLocalApi(config: LocalApiRun, log: Logger): Promise<void> {
  const dbPath = resolve(config.db);
  mkdirSync(dirname(dbPath), { recursive: true, mode: 0o700 });
  let api: Awaited<ReturnType<typeof startLocalApi>>;
  try {
    api = await startLocalApi({
      host: config.host,
      port: config.port,
      dbPath,
      ...(config.apiKey !== undefined ? { apiKey: config.apiKey } : {}),
      demo: config.demo,
      allowedOrigins: config.allowedOrigins,
      historyLimit: config.historyLimit,
      httpAllow: config.httpAllow,
      log,
    });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE") {
      process.stderr.write(
        `weavz-mcp: port ${config.port} on ${config.host} is already in use; pick another with --port (0 picks a free one).\n`,
      );
    } else if (code === "EACCES" || code === "EADDRNOTAVAIL") {
      process.stderr.write(
        `weavz-mcp: cannot listen on ${config.host}:${config.port} (${code}); check --host and --port.\n`,
      );
    } else {
      process.stderr.write(
        `weavz-mcp: cannot start the local API with database ${dbPath}: ${(err as Error).message}\n`,
      );
    }
    process.exit(1);
  }
  const base = `${api.url}/api/v1`;
  const lines = [`Weavz local API listening on ${base}`];
  if (api.generatedApiKey) {
    lines.push(`API key (shown once, stored hashed): ${api.generatedApiKey}`);
    lines.push(`Try: curl -H "Authorization: Bearer ${api.generatedApiKey}" ${base}/workspaces`);
  } else if (api.usingStoredKey && config.apiKey === undefined) {
    lines.push(
      "Using the API key stored (hashed) in this database; --api-key / WEAVZ_API_KEY adds a new one.",
    );
  }
  process.stdout.write(`${lines.join("\n")}\n`);
  log.info(`local API: database ${dbPath}${api.store.created ? " (new)" : ""}`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`local API: ${signal}, shutting down`);
    const timer = setTimeout(() => process.exit(0), 3000);
    timer.unref();
    api.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error(`local API: error while closing: ${(err as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", () => stop("SIGINT"));
  process.once("SIGTERM", () => stop("SIGTERM"));
}
