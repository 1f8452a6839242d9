import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { createWeavzClient } from "./api/client.js";
import type { WeavzApi } from "./api/types.js";
import type { Config } from "./config.js";
import type { Logger } from "./log.js";

/** The API the MCP server talks to, and how to let go of it. */
export interface Backend {
  api: WeavzApi;
  kind: "hosted" | "embedded";
  /** Local database path (embedded only). */
  dbPath?: string;
  close(): Promise<void>;
}

/**
 * With WEAVZ_API_KEY: the hosted (or configured) Weavz API. Without: the local API started in
 * this process on a loopback port, reached through the very same HTTP client, with a
 * per-process key that is accepted in memory only and never stored.
 */
export async function openBackend(config: Config, log: Logger): Promise<Backend> {
  if (config.apiKey) {
    const api = createWeavzClient({
      baseUrl: config.baseUrl,
      apiKey: config.apiKey,
      timeoutMs: config.timeoutMs,
      log,
    });
    log.info(`backend: Weavz API at ${config.baseUrl}`);
    return { api, kind: "hosted", close: () => api.close() };
  }
  const { startLocalApi } = await import("./local/server.js");
  mkdirSync(dirname(config.localDb), { recursive: true });
  const key = `wvz_local_${randomBytes(24).toString("hex")}`;
  const local = await startLocalApi({
    host: "127.0.0.1",
    port: 0,
    dbPath: config.localDb,
    demo: config.demo,
    log,
    extraKeys: [{ key }],
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
    dbPath: config.localDb,
    close: async () => {
      await api.close();
      await local.close();
    },
  };
}
