import { allPages, PAGE } from "../api/pages.js";
import type { WeavzApi } from "../api/types.js";
import type { Workspace } from "../domain/index.js";
import { ToolInputError } from "./tool.js";

/**
 * Key in an authenticated request's `authInfo.extra` under which the transport puts the
 * workspace ids the caller may use (a string array); absent means every workspace the
 * server's own API key reaches.
 */
export const WORKSPACES_AUTH_KEY = "weavzWorkspaces";

/** The part of the SDK's AuthInfo this layer reads (kept structural so SDK moves do not matter). */
export interface ScopedAuthInfo {
  extra?: Record<string, unknown>;
}

/** The workspaces a caller may use; `undefined` means no limit. */
export type WorkspaceScope = ReadonlySet<string> | undefined;

/** The caller's workspace limit, as the transport's authentication left it in authInfo. */
export function scopeOf(authInfo: ScopedAuthInfo | undefined): WorkspaceScope {
  const raw = authInfo?.extra?.[WORKSPACES_AUTH_KEY];
  if (!Array.isArray(raw)) return undefined;
  return new Set(raw.filter((w): w is string => typeof w === "string"));
}

/** A call that reached for a workspace outside the caller's token. */
export class ScopeDeniedError extends ToolInputError {
  override name = "ScopeDeniedError";
}

const listed = (scope: ReadonlySet<string>) =>
  scope.size === 0 ? "none" : [...scope].sort().join(", ");

/** Whether a caller limited to `scope` (undefined: no limit) may reach the workspace. */
export function workspaceAllowed(scope: WorkspaceScope, workspaceId: string): boolean {
  return scope === undefined || scope.has(workspaceId);
}

/** Throws ScopeDeniedError when `workspaceId` is outside the scope. */
export function assertWorkspaceAllowed(scope: WorkspaceScope, workspaceId: string): void {
  if (scope === undefined || scope.has(workspaceId)) return;
  throw new ScopeDeniedError(
    `SCOPE_DENIED: the token this client uses may not reach workspace "${workspaceId}". It may use: ${listed(scope)}.`,
    "call list_workspaces to see the workspaces this token may use and pass one of them as workspaceId; for another workspace the server's operator must extend the token.",
  );
}

/**
 * The default workspace a scoped caller gets: the server's own default when allowed, else the
 * token's only workspace when it has exactly one.
 */
export function scopedDefaultWorkspace(
  scope: WorkspaceScope,
  serverDefault: string | undefined,
): string | undefined {
  if (scope === undefined) return serverDefault;
  if (serverDefault !== undefined && scope.has(serverDefault)) return serverDefault;
  return scope.size === 1 ? [...scope][0] : undefined;
}

/** Upper bound of pages read when a scoped list has to be filtered here. */
const MAX_PAGES = 50;

/** Reads every page of a list, keeps the items `keep` accepts, then applies limit/offset. */
async function filteredPage<T>(
  fetchPage: (offset: number) => Promise<{ items: T[]; total: number }>,
  keep: (item: T) => boolean,
  query: { limit?: number | undefined; offset?: number | undefined } | undefined,
): Promise<{ items: T[]; total: number }> {
  const all = (await allPages(fetchPage, MAX_PAGES * PAGE)).filter(keep);
  const from = query?.offset ?? 0;
  return { items: all.slice(from, from + (query?.limit ?? 50)), total: all.length };
}

/**
 * The API as a scoped caller may use it: workspace arguments outside the scope are refused
 * before any request, lists only show what the scope allows. With no scope, the API itself.
 * Upstream still sees only the server's own API key: the caller's token never leaves here.
 */
export function scopedApi(api: WeavzApi, scope: WorkspaceScope): WeavzApi {
  if (scope === undefined) return api;
  // Returns the id once allowed, so a refusal rejects the call before any request.
  const ok = (id: string) => {
    assertWorkspaceAllowed(scope, id);
    return id;
  };
  return {
    get baseUrl() {
      return api.baseUrl;
    },
    listWorkspaceIntegrations: async (ws, o) => api.listWorkspaceIntegrations(ok(ws), o),
    createWorkspaceIntegration: async (ws, body, o) =>
      api.createWorkspaceIntegration(ok(ws), body, o),
    updateWorkspaceIntegration: async (ws, id, body, o) =>
      api.updateWorkspaceIntegration(ok(ws), id, body, o),
    deleteWorkspaceIntegration: async (ws, id, o) => api.deleteWorkspaceIntegration(ok(ws), id, o),
    listWorkspaces: async (query, o) => {
      const { items, total } = await filteredPage<Workspace>(
        async (offset) => {
          const r = await api.listWorkspaces({ limit: PAGE, offset }, o);
          return { items: r.workspaces, total: r.total };
        },
        (w) => scope.has(w.id),
        query,
      );
      return { workspaces: items, total };
    },
    getWorkspace: async (id, o) => api.getWorkspace(ok(id), o),
    listChanges: async (q, o) => api.listChanges({ ...q, workspaceId: ok(q.workspaceId) }, o),
    getChange: async (id, o) => {
      const r = await api.getChange(id, o);
      ok(r.change.workspaceId);
      return r;
    },
    listConnections: async (query, o) => {
      if (query?.workspaceId !== undefined) {
        ok(query.workspaceId);
        return api.listConnections(query, o);
      }
      // Organization-wide connections (no workspace) are usable from any workspace.
      const { items, total } = await filteredPage(
        async (offset) => {
          const r = await api.listConnections({ ...query, limit: PAGE, offset }, o);
          return { items: r.connections, total: r.total };
        },
        (c) => c.workspaceId == null || scope.has(c.workspaceId),
        query,
      );
      return { connections: items, total };
    },
    listCatalog: (query, o) => api.listCatalog(query, o),
    getCatalogIntegration: (name, o) => api.getCatalogIntegration(name, o),
    listMcpServers: async (query, o) => {
      if (query?.workspaceId !== undefined) {
        ok(query.workspaceId);
        return api.listMcpServers(query, o);
      }
      const { items, total } = await filteredPage(
        async (offset) => {
          const r = await api.listMcpServers({ limit: PAGE, offset }, o);
          return { items: r.servers, total: r.total };
        },
        (s) => scope.has(s.workspaceId),
        query,
      );
      return { servers: items, total };
    },
    listEndUsers: async (query, o) =>
      api.listEndUsers({ ...query, workspaceId: ok(query.workspaceId) }, o),
    getMcpServer: async (id, o) => {
      const res = await api.getMcpServer(id, o);
      if (!scope.has(res.server.workspaceId)) {
        // The foreign workspace's id is not named: the caller may not learn about it.
        throw new ScopeDeniedError(
          `SCOPE_DENIED: MCP server ${id} belongs to a workspace the token this client uses may not reach. It may use: ${listed(scope)}.`,
          "call list_mcp_servers with one of those workspaces to find a server this token may use.",
        );
      }
      return res;
    },
    waitForChange: (since, waitMs, o) => api.waitForChange(since, waitMs, o),
    executeAction: async (body, o) =>
      api.executeAction({ ...body, workspaceId: ok(body.workspaceId) }, o),
    health: (o) => api.health(o),
  };
}
