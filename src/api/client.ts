// Owns the Weavz REST client: its options, its connection pool and the table of API methods.
import { Pool } from "undici";
import { CHANGES_MAX_WAIT_MS } from "../domain/index.js";
import { type Logger, silentLogger } from "../log.js";
import { registerSecret } from "../mask.js";
import { VERSION } from "../version.js";
import { basePrefix, normaliseBaseUrl } from "./base-url.js";
import { createCall, type Method } from "./call.js";
import { createWithReconciliation } from "./create.js";
import { query, segment } from "./path.js";
import type { WeavzApi } from "./types.js";

/** Options of {@link createWeavzClient}. */
export interface WeavzClientOptions {
  /** `http(s)://host[:port][/prefix]`; a trailing `/api/v1` is tolerated and stripped. */
  baseUrl: string;
  /** API key (`wvz_…`), sent as a bearer token; never logged. */
  apiKey: string;
  /** Budget of a whole call including retries, ms. Default 30000, capped at 60000. */
  timeoutMs?: number;
  /** Retries after the first attempt. Default 2. */
  maxRetries?: number;
  /** Debug lines per attempt (method, path, status, ms, attempt). Default: silent. */
  log?: Logger;
  /** Overrides `weavz-mcp/<version>`. */
  userAgent?: string;
  /** Base of the exponential backoff, ms. Default 500. */
  retryBaseMs?: number;
}

/** The API client: {@link WeavzApi} plus `close()` for its connection pool. */
export interface WeavzClient extends WeavzApi {
  /** Closes the keep-alive pool; later calls fail with WeavzConnectionError. */
  close(): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const MAX_TIMEOUT_MS = 60_000;
/** Budget of one execute call: the longest action timeout (60 s) plus a margin. */
const EXECUTE_BUDGET_MS = 75_000;
const API = "/api/v1";

/**
 * Creates the Weavz REST client: one undici keep-alive Pool for the base URL's origin,
 * bounded retries (429 always; 502/503/504 and network errors for GET/PUT/PATCH/DELETE only),
 * one time budget per call, cancellation through `opts.signal`, and create reconciliation
 * (see `createWorkspaceIntegration`).
 */
export function createWeavzClient(opts: WeavzClientOptions): WeavzClient {
  const url = new URL(opts.baseUrl);
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError(`baseUrl must be an http(s) URL, got ${url.protocol}`);
  }
  if (!opts.apiKey) throw new TypeError("apiKey is required");
  const apiKey = opts.apiKey;
  // From here on the key is masked in everything this process emits (results, errors, logs).
  registerSecret(apiKey);
  const prefix = basePrefix(url);
  const baseUrl = normaliseBaseUrl(url);
  const timeoutMs = clamp("timeoutMs", opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, 1, MAX_TIMEOUT_MS);
  const maxRetries = Math.floor(clamp("maxRetries", opts.maxRetries ?? 2, 0, 10));
  const retryBaseMs = clamp("retryBaseMs", opts.retryBaseMs ?? 500, 0, MAX_TIMEOUT_MS);
  const log = opts.log ?? silentLogger;

  const pool = new Pool(url.origin, {
    connect: { timeout: Math.min(10_000, timeoutMs) },
    keepAliveTimeout: 4_000,
  });
  let closing: Promise<void> | undefined;
  const baseHeaders: Record<string, string> = {
    authorization: `Bearer ${apiKey}`,
    accept: "application/json",
    "user-agent": opts.userAgent ?? `weavz-mcp/${VERSION}`,
  };

  const call = createCall({
    pool,
    prefix,
    baseUrl,
    baseHeaders,
    timeoutMs,
    maxRetries,
    retryBaseMs,
    log,
  });
  const createCtx = { call, timeoutMs, log };

  function integrationsPath(method: Method, workspaceId: string): string {
    const w = segment("workspaceId", workspaceId, method, "/workspaces/{workspaceId}/integrations");
    return `${API}/workspaces/${w}/integrations`;
  }

  function integrationPath(method: Method, workspaceId: string, id: string): string {
    const template = "/workspaces/{workspaceId}/integrations/{id}";
    const w = segment("workspaceId", workspaceId, method, template);
    const i = segment("id", id, method, template);
    return `${API}/workspaces/${w}/integrations/${i}`;
  }

  return {
    baseUrl,

    listWorkspaceIntegrations(workspaceId, callOpts) {
      return call("GET", integrationsPath("GET", workspaceId), undefined, callOpts?.signal);
    },

    async createWorkspaceIntegration(workspaceId, body, callOpts) {
      const path = integrationsPath("POST", workspaceId);
      return createWithReconciliation(createCtx, path, body, callOpts);
    },

    updateWorkspaceIntegration(workspaceId, id, body, callOpts) {
      return call(
        "PATCH",
        integrationPath("PATCH", workspaceId, id),
        body,
        callOpts?.signal,
        timeoutMs,
        callOpts?.change,
      );
    },

    deleteWorkspaceIntegration(workspaceId, id, callOpts) {
      return call(
        "DELETE",
        integrationPath("DELETE", workspaceId, id),
        undefined,
        callOpts?.signal,
        timeoutMs,
        callOpts?.change,
      );
    },

    listChanges(q, callOpts) {
      const w = segment("workspaceId", q.workspaceId, "GET", "/workspaces/{workspaceId}/history");
      const qs = query({
        integration: q.integration,
        since: q.since,
        planId: q.planId,
        limit: q.limit,
        offset: q.offset,
      });
      return call("GET", `${API}/workspaces/${w}/history${qs}`, undefined, callOpts?.signal);
    },

    getChange(changeId, callOpts) {
      const i = segment("changeId", changeId, "GET", "/history/{changeId}");
      return call("GET", `${API}/history/${i}`, undefined, callOpts?.signal);
    },

    listWorkspaces(q, callOpts) {
      const qs = query({ limit: q?.limit, offset: q?.offset });
      return call("GET", `${API}/workspaces${qs}`, undefined, callOpts?.signal);
    },

    getWorkspace(id, callOpts) {
      const i = segment("id", id, "GET", "/workspaces/{id}");
      return call("GET", `${API}/workspaces/${i}`, undefined, callOpts?.signal);
    },

    listConnections(q, callOpts) {
      const qs = query({
        workspaceId: q?.workspaceId,
        integrationName: q?.integrationName,
        limit: q?.limit,
        offset: q?.offset,
      });
      return call("GET", `${API}/connections${qs}`, undefined, callOpts?.signal);
    },

    listCatalog(q, callOpts) {
      const qs = query({
        search: q?.search,
        summary: q?.summary,
        limit: q?.limit,
        offset: q?.offset,
      });
      return call("GET", `${API}/integrations${qs}`, undefined, callOpts?.signal);
    },

    getCatalogIntegration(name, callOpts) {
      // Same client-side 400 as a path segment for an empty name (a query value, not a path).
      if (!name) segment("name", name, "GET", "/integrations?name={name}");
      return call("GET", `${API}/integrations${query({ name })}`, undefined, callOpts?.signal);
    },

    listMcpServers(q, callOpts) {
      const qs = query({ workspaceId: q?.workspaceId, limit: q?.limit, offset: q?.offset });
      return call("GET", `${API}/mcp/servers${qs}`, undefined, callOpts?.signal);
    },

    listEndUsers(q, callOpts) {
      const qs = query({ workspaceId: q.workspaceId, limit: q.limit, offset: q.offset });
      return call("GET", `${API}/end-users${qs}`, undefined, callOpts?.signal);
    },

    getMcpServer(id, callOpts) {
      const i = segment("id", id, "GET", "/mcp/servers/{id}");
      return call("GET", `${API}/mcp/servers/${i}`, undefined, callOpts?.signal);
    },

    waitForChange(since, waitMs, callOpts) {
      const wait = Math.max(0, Math.min(CHANGES_MAX_WAIT_MS, Math.floor(waitMs)));
      // A long poll holds the request by design: its budget is the wait plus the usual margin.
      return call(
        "GET",
        `${API}/changes${query({ since, waitMs: wait })}`,
        undefined,
        callOpts?.signal,
        Math.min(MAX_TIMEOUT_MS, wait + Math.min(timeoutMs, 10_000)),
      );
    },

    executeAction(body, callOpts) {
      // An action may run up to a minute (advanced-code's longest timeout): the budget covers it.
      return call(
        "POST",
        `${API}/actions/execute`,
        body,
        callOpts?.signal,
        Math.max(timeoutMs, EXECUTE_BUDGET_MS),
      );
    },

    health(callOpts) {
      return call("GET", "/health", undefined, callOpts?.signal);
    },

    close() {
      closing ??= pool.close();
      return closing;
    },
  };
}

function clamp(name: string, n: number, min: number, max: number): number {
  if (!Number.isFinite(n)) throw new TypeError(`${name} must be a finite number`);
  return Math.min(max, Math.max(min, n));
}
