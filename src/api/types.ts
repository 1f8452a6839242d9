import type { CatalogHit } from "../domain/catalog-search.js";
import type { EndUser } from "../domain/entities.js";
import type {
  CatalogIntegration,
  CatalogSummary,
  Connection,
  CreateWorkspaceIntegrationInput,
  DeleteResult,
  ExecuteRequest,
  ExecuteResult,
  UpdateWorkspaceIntegrationInput,
  Workspace,
  WorkspaceIntegration,
  WorkspaceIntegrationList,
} from "../domain/index.js";
import type { ChangeContext, ChangeEntry, ChangePage } from "../domain/journal.js";
import type { ChangesResult, GetMcpServerResult, McpServerList } from "../domain/mcp-server.js";

/** Per-call options every API method takes. */
export interface CallOptions {
  /** Aborts the upstream request (MCP cancellation is wired to this). */
  signal?: AbortSignal;
  /**
   * Writes only: who makes the change and why, for the change journal (sent to the local API
   * in the x-weavz-change header; recorded in process by the hosted journal). See journal.ts.
   */
  change?: ChangeContext | undefined;
}

export interface PageQuery {
  limit?: number;
  offset?: number;
}

export interface ListConnectionsQuery extends PageQuery {
  workspaceId?: string;
  integrationName?: string;
}

export interface ListMcpServersQuery extends PageQuery {
  workspaceId?: string;
}

export interface ListCatalogQuery extends PageQuery {
  /** Free words; the local API ranks integrations and actions by them. */
  search?: string;
  /** Omit action fields (names only). */
  summary?: boolean;
}

export interface CatalogListResult {
  integrations: CatalogSummary[];
  total: number;
  /** Present when `search` was given: the ranked hits. */
  hits?: CatalogHit[];
}

/**
 * Result of a create. `reconciled: true` means the POST failed ambiguously (connection reset,
 * timeout, 502/503/504) and the client then found the integration by alias in the workspace's
 * list: it exists, but the object is the list item, not the create response.
 */
export interface CreateWorkspaceIntegrationResult {
  integration: WorkspaceIntegration;
  reconciled?: true;
}

/**
 * The Weavz REST API as the MCP layer sees it. Knows nothing of MCP; the undici client
 * implements it against the hosted API or the local server, and tests may hand a fake.
 */
export interface WeavzApi {
  /** Base URL the client talks to (without `/api/v1`). */
  readonly baseUrl: string;

  listWorkspaceIntegrations(
    workspaceId: string,
    opts?: CallOptions,
  ): Promise<WorkspaceIntegrationList>;
  createWorkspaceIntegration(
    workspaceId: string,
    body: CreateWorkspaceIntegrationInput,
    opts?: CallOptions,
  ): Promise<CreateWorkspaceIntegrationResult>;
  updateWorkspaceIntegration(
    workspaceId: string,
    id: string,
    body: UpdateWorkspaceIntegrationInput,
    opts?: CallOptions,
  ): Promise<{ integration: WorkspaceIntegration }>;
  deleteWorkspaceIntegration(
    workspaceId: string,
    id: string,
    opts?: CallOptions,
  ): Promise<DeleteResult>;

  listWorkspaces(
    query?: PageQuery,
    opts?: CallOptions,
  ): Promise<{ workspaces: Workspace[]; total: number }>;
  getWorkspace(id: string, opts?: CallOptions): Promise<{ workspace: Workspace }>;

  listConnections(
    query?: ListConnectionsQuery,
    opts?: CallOptions,
  ): Promise<{ connections: Connection[]; total: number }>;

  listCatalog(query?: ListCatalogQuery, opts?: CallOptions): Promise<CatalogListResult>;
  getCatalogIntegration(
    name: string,
    opts?: CallOptions,
  ): Promise<{ integration: CatalogIntegration }>;

  listMcpServers(query?: ListMcpServersQuery, opts?: CallOptions): Promise<McpServerList>;
  /** `GET /end-users?workspaceId=`: the workspace's end users (who per_user connections serve). */
  listEndUsers(
    query: PageQuery & { workspaceId: string },
    opts?: CallOptions,
  ): Promise<{ endUsers: EndUser[]; total: number }>;
  getMcpServer(id: string, opts?: CallOptions): Promise<GetMcpServerResult>;

  /**
   * Long-polls the local API's change counter (`GET /api/v1/changes`): resolves with the
   * current sequence as soon as it differs from `since`, or after `waitMs`. The hosted API
   * has no such endpoint and answers 404, which callers treat as "poll instead".
   */
  waitForChange(
    since: number | undefined,
    waitMs: number,
    opts?: CallOptions,
  ): Promise<ChangesResult>;

  /**
   * `POST /api/v1/actions/execute`: runs one action. Never retried on 5xx or a lost answer
   * (the action may have run); pass `idempotencyKey` to make a repeat safe.
   */
  executeAction(body: ExecuteRequest, opts?: CallOptions): Promise<ExecuteResult>;

  health(opts?: CallOptions): Promise<{ status: string }>;

  /**
   * `GET /api/v1/workspaces/{id}/history` (a local API extension): the change journal, newest
   * first. The hosted API has none and answers 404 (the MCP server then keeps its own).
   */
  listChanges(query: HistoryQuery, opts?: CallOptions): Promise<ChangePage>;
  /** `GET /api/v1/history/{changeId}` (local API extension): one journal entry. */
  getChange(changeId: string, opts?: CallOptions): Promise<{ change: ChangeEntry }>;
}

/** Query of {@link WeavzApi.listChanges}. */
export interface HistoryQuery extends PageQuery {
  workspaceId: string;
  integration?: string | undefined;
  since?: string | undefined;
  planId?: string | undefined;
}
