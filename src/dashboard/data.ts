import { WeavzApiError } from "../api/errors.js";
import { allPages, PAGE } from "../api/pages.js";
import type { WeavzApi } from "../api/types.js";
import type { Workspace, WorkspaceIntegrationListItem } from "../domain/index.js";
import type { McpServer, McpServerTool } from "../domain/mcp-server.js";

/** One MCP server of the workspace and the tools it exposes right now. */
export interface ServerView {
  server: McpServer;
  tools: McpServerTool[];
}

/** An integration as the pages show it. */
export interface IntegrationView {
  item: WorkspaceIntegrationListItem;
  /** The catalog's display name of its integration (e.g. "Slack"), or its name if unknown. */
  catalogName: string;
  /** Tools derived from it across the workspace's MCP servers. */
  toolCount: number;
}

/** Everything the workspace pages show, read in one go through the backend. */
export interface WorkspaceView {
  workspace: Workspace;
  integrations: IntegrationView[];
  servers: ServerView[];
}

/** The workspaces list with each one's integration count. */
export interface WorkspaceSummary {
  workspace: Workspace;
  integrations: number | undefined;
}

/** The catalog changes rarely; display names are re-read after this long. */
const CATALOG_TTL_MS = 10 * 60 * 1000;

/**
 * Reads what the dashboard shows, through the same WeavzApi the tools use (embedded local API
 * or hosted Weavz API), already limited to the session's workspaces by the caller.
 */
export class DashboardData {
  /** Catalog display names by integration name; catalog entries are not workspace-bound. */
  private readonly names = new Map<string, { at: number; name: Promise<string> }>();

  /** When every display name was last read in one go (see warm). */
  private warmedAt = 0;

  constructor(private readonly catalogApi: WeavzApi) {}

  /**
   * Reads every catalog display name in the background (summaries, a few pages), so the first
   * render after an agent adds an integration of a new kind does not wait for its catalog entry:
   * that wait was most of the live-update latency measured on a loaded machine.
   */
  warm(): void {
    if (Date.now() - this.warmedAt < CATALOG_TTL_MS) return;
    this.warmedAt = Date.now();
    void allPages(async (offset) => {
      const r = await this.catalogApi.listCatalog({ summary: true, limit: PAGE, offset });
      return { items: r.integrations, total: r.total };
    }).then(
      (entries) => {
        const at = Date.now();
        for (const e of entries)
          this.names.set(e.name, { at, name: Promise.resolve(e.displayName) });
      },
      () => {
        this.warmedAt = 0;
      },
    );
  }

  /** Every workspace the API reaches (first 100), with integration counts. */
  async workspaces(api: WeavzApi, signal?: AbortSignal): Promise<WorkspaceSummary[]> {
    const opts = signal ? { signal } : {};
    const { workspaces } = await api.listWorkspaces({ limit: 100 }, opts);
    return Promise.all(
      workspaces.map(async (workspace) => ({
        workspace,
        integrations: await api
          .listWorkspaceIntegrations(workspace.id, opts)
          .then((r) => r.total)
          .catch(() => undefined),
      })),
    );
  }

  /** One workspace: its integrations (with catalog names) and MCP servers with their tools. */
  async workspace(
    api: WeavzApi,
    workspaceId: string,
    signal?: AbortSignal,
  ): Promise<WorkspaceView> {
    const opts = signal ? { signal } : {};
    const [{ workspace }, list, servers] = await Promise.all([
      api.getWorkspace(workspaceId, opts),
      api.listWorkspaceIntegrations(workspaceId, opts),
      this.servers(api, workspaceId, signal),
    ]);
    const toolsBySource = new Map<string, number>();
    for (const s of servers) {
      for (const t of s.tools) {
        const id = t.sourceWorkspaceIntegrationId;
        if (id) toolsBySource.set(id, (toolsBySource.get(id) ?? 0) + 1);
      }
    }
    const sorted = [...list.integrations].sort(
      (a, b) => a.sortOrder - b.sortOrder || a.alias.localeCompare(b.alias),
    );
    const integrations = await Promise.all(
      sorted.map(async (item) => ({
        item,
        catalogName: await this.catalogName(item.integrationName),
        toolCount: toolsBySource.get(item.id) ?? 0,
      })),
    );
    return { workspace, integrations, servers };
  }

  /** The workspace's MCP servers, each with its synced tools (a server deleted meanwhile is left out). */
  async servers(api: WeavzApi, workspaceId: string, signal?: AbortSignal): Promise<ServerView[]> {
    const opts = signal ? { signal } : {};
    const { servers } = await api.listMcpServers({ workspaceId, limit: 100 }, opts);
    const detailed = await Promise.all(
      servers.map((s) =>
        api.getMcpServer(s.id, opts).catch((err: unknown) => {
          if (err instanceof WeavzApiError && err.status === 404) return undefined;
          throw err;
        }),
      ),
    );
    return detailed
      .filter((d) => d !== undefined)
      .map((d) => ({
        server: d.server,
        tools: [...d.tools].sort((a, b) => a.sortOrder - b.sortOrder),
      }));
  }

  /** The catalog's display name of an integration; its name when the catalog does not know it. */
  catalogName(name: string): Promise<string> {
    const kept = this.names.get(name);
    if (kept && Date.now() - kept.at < CATALOG_TTL_MS) return kept.name;
    const read = this.catalogApi
      .getCatalogIntegration(name)
      .then((r) => r.integration.displayName)
      .catch(() => {
        // Not kept: a passing failure should not stick for ten minutes.
        this.names.delete(name);
        return name;
      });
    this.names.set(name, { at: Date.now(), name: read });
    return read;
  }
}
