import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { request } from "undici";
import { afterAll, beforeAll } from "vitest";
import type { FieldIssue } from "../../src/domain/errors.js";
import type { ChangeFeed } from "../../src/local/changes.js";
import { DEMO } from "../../src/local/demo.js";
import type { McpEndpoints } from "../../src/local/mcp-endpoint/index.js";
import { type LocalApiOptions, startLocalApi } from "../../src/local/server.js";
import type { Store } from "../../src/local/store/index.js";
import { silentLogger } from "../../src/log.js";

export const TEST_API_KEY = "wvz_test_0123456789abcdefghijklmnop";

/**
 * scrypt cost for test servers: N = 2^4, about 0.1 ms a hash instead of production's 0.1 s
 * (KDF_COST). The stored form carries its cost, so everything else runs as in production;
 * a test about the production form passes `kdfCost: KDF_COST`.
 */
export const TEST_KDF_COST = { ln: 4, r: 8, p: 1 } as const;

export interface TestLocalApi {
  /** Origin, e.g. http://127.0.0.1:54321 (append /api/v1/...). */
  url: string;
  apiKey: string;
  dbPath: string;
  /** The temp directory holding the database (removed by close unless keepDir). */
  dir: string;
  store: Store;
  /** The change feed behind GET /api/v1/changes (introspection for tests). */
  changes: ChangeFeed;
  /** The MCP servers' endpoints once loaded (introspection: sessionCount, isWatching). */
  readonly mcpEndpoints: McpEndpoints | undefined;
  /** Closes the server and the database, then removes the temp directory. */
  close(): Promise<void>;
}

/**
 * Starts the real local API on port 0 with a temporary SQLite file and a known key.
 * Pass dbPath to reuse a database (restart tests); then the directory is left alone.
 */
export async function startTestLocalApi(
  opts: Partial<Omit<LocalApiOptions, "dbPath">> & { dbPath?: string; keepDir?: boolean } = {},
): Promise<TestLocalApi> {
  const { keepDir, dbPath: given, ...rest } = opts;
  const dir = given ? dirname(given) : mkdtempSync(join(tmpdir(), "weavz-local-"));
  const dbPath = given ?? join(dir, "local.db");
  const apiKey = rest.apiKey ?? TEST_API_KEY;
  const api = await startLocalApi({
    log: silentLogger,
    kdfCost: TEST_KDF_COST,
    ...rest,
    apiKey,
    dbPath,
    port: rest.port ?? 0,
  });
  return {
    url: api.url,
    apiKey,
    dbPath,
    dir,
    store: api.store,
    changes: api.changes,
    get mcpEndpoints() {
      return api.mcpEndpoints;
    },
    async close() {
      await api.close();
      if (!given && !keepDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
  text: string;
}

/**
 * A tiny HTTP client for tests (undici request): `call("POST", "/api/v1/...", body)`.
 * `raw` sends a string body as is; `key: null` sends no Authorization header.
 */
export function client(baseUrl: string, defaultKey: string) {
  return async function call(
    method: string,
    path: string,
    body?: unknown,
    opts: { key?: string | null; raw?: string | Buffer; headers?: Record<string, string> } = {},
  ): Promise<ApiResponse> {
    const { request } = await import("undici");
    const key = opts.key === undefined ? defaultKey : opts.key;
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (key !== null) headers.authorization = `Bearer ${key}`;
    let payload: string | Buffer | undefined = opts.raw;
    if (payload === undefined && body !== undefined) payload = JSON.stringify(body);
    if (payload !== undefined) headers["content-type"] ??= "application/json";
    const res = await request(`${baseUrl}${path}`, {
      method: method as "GET",
      headers,
      ...(payload !== undefined ? { body: payload } : {}),
    });
    const text = await res.body.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.statusCode, headers: res.headers, body: parsed, text };
  };
}

/** The field issue a VALIDATION_ERROR body reports for one field, if any. */
export function issue(
  body: { details?: { issues?: FieldIssue[] } },
  field: string,
): FieldIssue | undefined {
  return body.details?.issues?.find((i) => i.field === field);
}

/**
 * Starts one local API for the test file (beforeAll) and closes it (afterAll). `call` is
 * usable at once; `local` once the file's tests run.
 */
export function useLocalApi(opts: Parameters<typeof startTestLocalApi>[0] = {}) {
  let local: TestLocalApi | undefined;
  let inner: ReturnType<typeof client> | undefined;
  beforeAll(async () => {
    local = await startTestLocalApi(opts);
    inner = client(local.url, local.apiKey);
  });
  afterAll(async () => {
    await local?.close();
  });
  const call: ReturnType<typeof client> = (...args) => {
    if (!inner) throw new Error("useLocalApi: call() before the local API started");
    return inner(...args);
  };
  return {
    call,
    get local(): TestLocalApi {
      if (!local) throw new Error("useLocalApi: the local API has not started");
      return local;
    },
  };
}

/**
 * Adds a kv-store integration to the demo workspace straight through the REST API: a change
 * made outside any MCP server process (tests of change delivery and of replicas use it).
 */
export async function addKvIntegration(local: TestLocalApi, alias: string): Promise<void> {
  const r = await request(`${local.url}/api/v1/workspaces/${DEMO.workspaceId}/integrations`, {
    method: "POST",
    headers: { authorization: `Bearer ${local.apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ integrationName: "kv-store", alias }),
  });
  const text = await r.body.text();
  if (r.statusCode !== 201) throw new Error(`adding ${alias}: ${r.statusCode} ${text}`);
}
