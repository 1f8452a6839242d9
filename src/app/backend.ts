import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { WeavzApi } from "../api/types.js";
import type { ChangeJournal } from "../domain/journal.js";
import type { Logger } from "../log.js";
import type { RedisLink } from "../scale/redis.js";
import type { Config } from "./config.js";

/** The API the MCP server talks to, and how to let go of it. */
export interface Backend {
  /** In hosted mode, wrapped so its writes are journaled here (api/journal.ts journaledApi). */
  api: WeavzApi;
  kind: "hosted" | "embedded";
  /** Who keeps the change journal: the local API itself, or this process (file or Redis). */
  historyKind: ChangeJournal["kind"];
  /** Local database path (embedded only). */
  dbPath?: string;
  close(): Promise<void>;
}

/**
 * With WEAVZ_API_KEY: the hosted (or configured) Weavz API. Without: the local API started in
 * this process on a loopback port, reached through the very same HTTP client, with a
 * per-process key that is accepted in memory only and never stored.
 */
export async function openBackend(
  config: Config,
  log: Logger,
  opts: { redis?: RedisLink } = {},
): Promise<Backend> {
  // Loaded here, not at the top: undici is the largest module in the bundle, and the MCP
  // handshake does not need it (see deferredApi).
  const { createWeavzClient } = await import("../api/client.js");
  if (config.apiKey) {
    const client = createWeavzClient({
      baseUrl: config.baseUrl,
      apiKey: config.apiKey,
      timeoutMs: config.timeoutMs,
      log,
    });
    // The hosted API keeps no history: this process journals the changes it makes.
    const journal = await openHostedJournal(config, opts.redis);
    const { journaledApi } = await import("../api/journal.js");
    const api = journaledApi(client, journal, log);
    log.info(
      `backend: Weavz API at ${config.baseUrl}; change journal: ${journal.kind === "mcp-redis" ? "Redis (shared by replicas)" : config.journalDb}`,
    );
    return {
      api,
      kind: "hosted",
      historyKind: journal.kind,
      close: async () => {
        await client.close();
        await journal.close?.();
      },
    };
  }
  const { startLocalApi } = await import("../local/server.js");
  try {
    mkdirSync(dirname(config.localDb), { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new Error(
      `cannot create the directory of the local database ${config.localDb} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); set WEAVZ_LOCAL_DB or --db to a writable path, or WEAVZ_API_KEY to use the hosted API`,
    );
  }
  const key = `wvz_local_${randomBytes(24).toString("hex")}`;
  const local = await startLocalApi({
    host: "127.0.0.1",
    port: 0,
    dbPath: config.localDb,
    demo: config.demo,
    httpAllow: config.httpAllow,
    log,
    extraKeys: [{ key }],
    historyLimit: config.historyLimit,
  });
  const api = createWeavzClient({
    baseUrl: local.url,
    apiKey: key,
    timeoutMs: config.timeoutMs,
    log,
  });
  log.info(
    `backend: embedded local Weavz API at ${local.url} (database ${config.localDb}); set WEAVZ_API_KEY to use the hosted Weavz API`,
  );
  return {
    api,
    kind: "embedded",
    historyKind: "local-api",
    dbPath: config.localDb,
    close: async () => {
      await api.close();
      await local.close();
    },
  };
}

/**
 * A WeavzApi whose every call waits for the backend, so the MCP server can answer the
 * handshake and tools/list while the backend (undici, SQLite, the local API) is still
 * starting: that startup is most of cold start. Each method forwards to the real client.
 */
export function deferredApi(backend: Promise<Backend>): WeavzApi {
  return new Proxy({} as WeavzApi, {
    get(_target, prop: string | symbol) {
      // Not a thenable, and nothing but the interface's methods.
      if (typeof prop !== "string" || prop === "then") return undefined;
      const method = prop as keyof WeavzApi;
      return (...args: unknown[]) =>
        backend.then((b) => (b.api[method] as (...a: unknown[]) => unknown).apply(b.api, args));
    },
  });
}

/** Hosted mode's journal: shared in Redis with --redis-url, else a SQLite file (--journal-db). */
async function openHostedJournal(config: Config, redis: RedisLink | undefined) {
  if (redis) {
    const { createRedisJournal } = await import("../scale/journal.js");
    return createRedisJournal(redis, config.historyLimit);
  }
  const { openSqliteJournal } = await import("../journal/sqlite.js");
  try {
    return openSqliteJournal(config.journalDb, config.historyLimit);
  } catch (err) {
    throw new Error(
      `cannot open the change journal ${config.journalDb} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); set WEAVZ_JOURNAL_DB or --journal-db to a writable path`,
    );
  }
}
