import { createHash } from "node:crypto";
import { z } from "zod";
import {
  authModeUsesBearer,
  CHANGES_MAX_WAIT_MS,
  CreateConnectionSchema,
  CreateEndUserSchema,
  CreateMcpServerSchema,
  CreateWorkspaceIntegrationSchema,
  CreateWorkspaceSchema,
  IdSchema,
  mergeIntegrationPatch,
  PagingSchema,
  searchCatalog,
  UpdateMcpServerSchema,
  UpdateWorkspaceIntegrationSchema,
} from "../domain/index.js";
import type { Catalog } from "./catalog.js";
import type { ChangeFeed } from "./changes.js";
import { ApiError, notFound, validationError } from "./errors.js";
import { deriveMcpTools } from "./mcp-tools.js";
import { type IntegrationRecord, type McpServerRecord, type Store, sqliteCode } from "./store.js";
import { generateToken, hashKey } from "./tokens.js";
import { checkBearerAllowed, checkIntegrationConfig, parseWith } from "./validation.js";

/** Who is calling: a scoped key only reaches its workspaces. */
export interface Principal {
  scope?: ReadonlySet<string>;
}

export interface RouteRequest {
  method: string;
  /** Decoded path segments after /api/v1. */
  segments: string[];
  query: URLSearchParams;
  principal: Principal;
  readBody(): Promise<unknown>;
  /** Aborts when the client goes away before the answer (long polls listen to it). */
  readonly signal?: AbortSignal;
}

export interface RouterOptions {
  /** The long-poll behind GET /changes (absent: that route answers at once). */
  changes?: ChangeFeed;
  /** Origin of this server, e.g. http://127.0.0.1:8080, for informational URLs. */
  origin?: () => string;
}

export interface RouteResult {
  status: number;
  /** JSON text, or its UTF-8 bytes (cached responses). */
  body: string | Buffer;
}

type Handler = (req: RouteRequest, params: string[]) => RouteResult | Promise<RouteResult>;

interface Route {
  /** Literal segments, or ":" for a parameter. */
  pattern: string[];
  methods: Record<string, Handler>;
}

const ok = (body: unknown, status = 200): RouteResult => ({ status, body: JSON.stringify(body) });

function keysOf(schema: z.ZodObject): string[] {
  return Object.keys(schema.shape);
}

const WorkspaceIntegrationQuerySchema = z.strictObject({});
const ConnectionListQuerySchema = PagingSchema.extend({
  workspaceId: IdSchema.optional(),
  integrationName: z.string().min(1).max(100).optional(),
});
const EndUserListQuerySchema = PagingSchema.extend({ workspaceId: IdSchema.optional() });
const CatalogQuerySchema = PagingSchema.extend({
  name: z.string().min(1).max(100).optional(),
  search: z.string().min(1).max(400).optional(),
  summary: z.enum(["true", "false", "1", "0"]).optional(),
});

const McpServerListQuerySchema = PagingSchema.extend({ workspaceId: IdSchema.optional() });
const NonNegativeIntString = z
  .string()
  .regex(/^\d{1,15}$/, "must be a non-negative integer")
  .transform(Number);
const ChangesQuerySchema = z.strictObject({
  since: NonNegativeIntString.optional(),
  waitMs: NonNegativeIntString.pipe(
    z.number().max(CHANGES_MAX_WAIT_MS, `must be at most ${CHANGES_MAX_WAIT_MS}`),
  ).default(0),
});

const CREATE_MCP_FIELDS = keysOf(CreateMcpServerSchema);
const UPDATE_MCP_FIELDS = keysOf(UpdateMcpServerSchema);
const UPDATE_MCP_HINTS = {
  workspaceId:
    "cannot be changed: create a new MCP server in the other workspace (POST /api/v1/mcp/servers)",
  id: "cannot be changed",
  orgId: "cannot be changed",
  hasBearerToken:
    "is read-only: set authMode to bearer or oauth_and_bearer to issue a token, oauth to drop it",
  bearerToken: "cannot be set: tokens are generated; send regenerateBearerToken: true",
  tools:
    "are derived from the workspace's integrations: change those (PATCH /api/v1/workspaces/{workspaceId}/integrations/{id})",
};
/** Static bearer tokens of MCP servers: `mcp_` + 32 base62 characters. */
const MCP_TOKEN_PREFIX = "mcp_";

const CREATE_WI_FIELDS = keysOf(CreateWorkspaceIntegrationSchema);
const UPDATE_WI_FIELDS = keysOf(UpdateWorkspaceIntegrationSchema);
const UPDATE_HINTS = {
  integrationName:
    "cannot be changed: delete the workspace integration and create a new one with the other integrationName",
  id: "cannot be changed",
  workspaceId: "cannot be changed",
  orgId: "cannot be changed",
};

function requireObject(body: unknown): Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw validationError(
      [
        {
          field: "(body)",
          message: `must be a JSON object (got ${body === undefined ? "an empty body" : Array.isArray(body) ? "an array" : body === null ? "null" : typeof body})`,
        },
      ],
      "The request body must be a JSON object.",
    );
  }
  return body as Record<string, unknown>;
}

function query(req: RouteRequest): Record<string, string> {
  return Object.fromEntries(req.query);
}

function isUnique(err: unknown): boolean {
  const code = sqliteCode(err);
  return code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY";
}

/** The REST routes of the local API over one store and the catalog. */
export class Router {
  private readonly routes: Route[];

  constructor(
    private readonly store: Store,
    private readonly catalog: () => Catalog,
    private readonly options: RouterOptions = {},
  ) {
    this.routes = [
      {
        pattern: ["workspaces"],
        methods: { GET: (r) => this.listWorkspaces(r), POST: (r) => this.createWorkspace(r) },
      },
      { pattern: ["workspaces", ":"], methods: { GET: (r, p) => this.getWorkspace(r, p) } },
      {
        pattern: ["workspaces", ":", "integrations"],
        methods: {
          GET: (r, p) => this.listIntegrations(r, p),
          POST: (r, p) => this.createIntegration(r, p),
        },
      },
      {
        pattern: ["workspaces", ":", "integrations", ":"],
        methods: {
          PATCH: (r, p) => this.updateIntegration(r, p),
          DELETE: (r, p) => this.deleteIntegration(r, p),
        },
      },
      {
        pattern: ["connections"],
        methods: { GET: (r) => this.listConnections(r), POST: (r) => this.createConnection(r) },
      },
      {
        pattern: ["connections", ":"],
        methods: {
          GET: (r, p) => this.getConnection(r, p),
          DELETE: (r, p) => this.deleteConnection(r, p),
        },
      },
      {
        pattern: ["end-users"],
        methods: { GET: (r) => this.listEndUsers(r), POST: (r) => this.createEndUser(r) },
      },
      { pattern: ["integrations"], methods: { GET: (r) => this.getCatalog(r) } },
      {
        pattern: ["mcp", "servers"],
        methods: { GET: (r) => this.listMcpServers(r), POST: (r) => this.createMcpServer(r) },
      },
      {
        pattern: ["mcp", "servers", ":"],
        methods: {
          GET: (r, p) => this.getMcpServer(r, p),
          PATCH: (r, p) => this.updateMcpServer(r, p),
          DELETE: (r, p) => this.deleteMcpServer(r, p),
        },
      },
      { pattern: ["changes"], methods: { GET: (r) => this.changes(r) } },
    ];
  }

  /** Dispatches one request; throws ApiError for client mistakes. */
  async handle(req: RouteRequest): Promise<RouteResult> {
    const segs = req.segments;
    for (const route of this.routes) {
      if (route.pattern.length !== segs.length) continue;
      const params: string[] = [];
      let match = true;
      for (let i = 0; i < segs.length; i++) {
        const p = route.pattern[i];
        const s = segs[i] ?? "";
        if (p === ":") {
          if (s === "" || s === "." || s === "..") {
            throw notFound(`"${s}" is not a valid id in ${this.describe(segs)}.`);
          }
          params.push(s);
        } else if (p !== s) {
          match = false;
          break;
        }
      }
      if (!match) continue;
      const handler = route.methods[req.method];
      if (!handler) {
        const allowed = Object.keys(route.methods);
        throw new ApiError(
          405,
          "METHOD_NOT_ALLOWED",
          `${req.method} is not allowed on ${this.describe(segs)}; allowed: ${allowed.join(", ")}.`,
          { allowed },
        );
      }
      return handler(req, params);
    }
    throw notFound(
      `No route for ${req.method} ${this.describe(segs)}. Routes: /api/v1/workspaces, /api/v1/workspaces/{id}/integrations, /api/v1/connections, /api/v1/end-users, /api/v1/integrations, /api/v1/mcp/servers, /api/v1/changes.`,
    );
  }

  /** Allowed methods of a path (for the Allow header), or undefined. */
  allowedMethods(segs: string[]): string[] | undefined {
    for (const route of this.routes) {
      if (route.pattern.length !== segs.length) continue;
      if (route.pattern.every((p, i) => p === ":" || p === segs[i])) {
        return Object.keys(route.methods);
      }
    }
    return undefined;
  }

  private describe(segs: string[]): string {
    return `/api/v1/${segs.map(encodeURIComponent).join("/")}`;
  }

  // ---- helpers ----

  private checkScope(req: RouteRequest, workspaceId: string): void {
    const scope = req.principal.scope;
    if (scope && !scope.has(workspaceId)) {
      throw new ApiError(
        403,
        "SCOPE_DENIED",
        `This API key is limited to workspace(s) ${[...scope].join(", ")}; workspace ${workspaceId} is outside its scope.`,
      );
    }
  }

  private requireWorkspace(req: RouteRequest, workspaceId: string) {
    this.checkScope(req, workspaceId);
    const ws = this.store.getWorkspace(workspaceId);
    if (!ws) {
      throw notFound(
        `Workspace ${workspaceId} not found; list workspaces with GET /api/v1/workspaces.`,
      );
    }
    return ws;
  }

  // ---- workspaces ----

  private listWorkspaces(req: RouteRequest): RouteResult {
    const page = parseWith(PagingSchema, query(req), { allowed: keysOf(PagingSchema) });
    const scope = req.principal.scope ? [...req.principal.scope] : undefined;
    const { items, total } = this.store.listWorkspaces(page, scope);
    return ok({ workspaces: items, total });
  }

  private async createWorkspace(req: RouteRequest): Promise<RouteResult> {
    if (req.principal.scope) {
      throw new ApiError(
        403,
        "SCOPE_DENIED",
        "This API key is scoped to workspaces and cannot create workspaces.",
      );
    }
    const body = requireObject(await req.readBody());
    const input = parseWith(CreateWorkspaceSchema, body, {
      allowed: keysOf(CreateWorkspaceSchema),
    });
    try {
      return ok({ workspace: this.store.insertWorkspace(input.name, input.slug) }, 201);
    } catch (err) {
      if (!isUnique(err)) throw err;
      const existing = this.store.getWorkspaceBySlug(input.slug);
      throw new ApiError(
        409,
        "DUPLICATE",
        `A workspace with slug "${input.slug}" already exists; choose another slug.`,
        { existing },
      );
    }
  }

  private getWorkspace(req: RouteRequest, [id]: string[]): RouteResult {
    return ok({ workspace: this.requireWorkspace(req, id as string) });
  }

  // ---- workspace integrations ----

  private listIntegrations(req: RouteRequest, [workspaceId]: string[]): RouteResult {
    const ws = workspaceId as string;
    this.checkScope(req, ws);
    if (req.query.size > 0) parseWith(WorkspaceIntegrationQuerySchema, query(req), { allowed: [] });
    const body = this.store.listIntegrationsJson(ws);
    // An empty list may mean an unknown workspace: only then pay for the lookup.
    if (body.length < 40 && body.toString("utf8").startsWith('{"integrations":[]')) {
      this.requireWorkspace(req, ws);
    }
    return { status: 200, body };
  }

  private async createIntegration(
    req: RouteRequest,
    [workspaceId]: string[],
  ): Promise<RouteResult> {
    const ws = this.requireWorkspace(req, workspaceId as string);
    const body = requireObject(await req.readBody());
    const input = parseWith(CreateWorkspaceIntegrationSchema, body, { allowed: CREATE_WI_FIELDS });
    let alias = input.alias ?? input.integrationName;
    try {
      const record = this.store.write(() => {
        const config = checkIntegrationConfig(
          {
            integrationName: input.integrationName,
            alias: input.alias,
            connectionStrategy: input.connectionStrategy,
            connectionId: input.connectionId ?? null,
            displayName: input.displayName ?? null,
            enabledActions: input.enabledActions ?? null,
            settings: input.settings,
            sortOrder: input.sortOrder ?? 0,
          },
          { catalog: this.catalog(), store: this.store, workspaceId: ws.id, mode: "create" },
        );
        alias = config.alias;
        const now = new Date().toISOString();
        const rec: IntegrationRecord = {
          id: crypto.randomUUID(),
          workspaceId: ws.id,
          orgId: ws.orgId,
          ...config,
          createdAt: now,
          updatedAt: now,
        };
        this.store.insertIntegration(rec);
        return rec;
      });
      return ok({ integration: record }, 201);
    } catch (err) {
      throw this.mapWriteError(err, ws.id, alias);
    }
  }

  private mapWriteError(err: unknown, workspaceId: string, alias: string): unknown {
    if (isUnique(err)) {
      const existing = this.store.getIntegrationByAlias(workspaceId, alias);
      return new ApiError(
        409,
        "DUPLICATE",
        `An integration with alias "${alias}" already exists in workspace ${workspaceId}; choose another alias, or update the existing one (PATCH /api/v1/workspaces/${workspaceId}/integrations/${existing?.id ?? "{id}"}).`,
        existing ? { existing: existing } : undefined,
      );
    }
    if (sqliteCode(err) === "SQLITE_CONSTRAINT_FOREIGNKEY") {
      return validationError([
        {
          field: "connectionId",
          message: "names a connection that no longer exists; list connections",
        },
      ]);
    }
    return err;
  }

  private async updateIntegration(req: RouteRequest, params: string[]): Promise<RouteResult> {
    const [workspaceId, id] = params as [string, string];
    this.requireWorkspace(req, workspaceId);
    const body = requireObject(await req.readBody());
    if (Object.keys(body).length === 0) {
      throw new ApiError(
        400,
        "NO_UPDATES",
        `No fields to update; send at least one of: ${UPDATE_WI_FIELDS.join(", ")}.`,
        { allowed: UPDATE_WI_FIELDS },
      );
    }
    const patch = parseWith(UpdateWorkspaceIntegrationSchema, body, {
      allowed: UPDATE_WI_FIELDS,
      hints: UPDATE_HINTS,
    });
    let alias = patch.alias ?? "";
    try {
      const record = this.store.write(() => {
        const existing = this.store.getIntegration(workspaceId, id);
        if (!existing) {
          throw notFound(
            `Workspace integration ${id} not found in workspace ${workspaceId}; list them with GET /api/v1/workspaces/${workspaceId}/integrations.`,
          );
        }
        const config = checkIntegrationConfig(mergeIntegrationPatch(existing, patch), {
          catalog: this.catalog(),
          store: this.store,
          workspaceId,
          mode: "update",
        });
        alias = config.alias;
        let now = new Date().toISOString();
        if (now <= existing.updatedAt) {
          now = new Date(Date.parse(existing.updatedAt) + 1).toISOString();
        }
        const rec: IntegrationRecord = { ...existing, ...config, updatedAt: now };
        this.store.updateIntegration(rec);
        return rec;
      });
      return ok({ integration: record });
    } catch (err) {
      throw this.mapWriteError(err, workspaceId, alias);
    }
  }

  private deleteIntegration(req: RouteRequest, params: string[]): RouteResult {
    const [workspaceId, id] = params as [string, string];
    this.requireWorkspace(req, workspaceId);
    if (!this.store.deleteIntegration(workspaceId, id)) {
      throw notFound(
        `Workspace integration ${id} not found in workspace ${workspaceId}; list them with GET /api/v1/workspaces/${workspaceId}/integrations.`,
      );
    }
    return ok({ deleted: true, id });
  }

  // ---- connections ----

  private listConnections(req: RouteRequest): RouteResult {
    const q = parseWith(ConnectionListQuerySchema, query(req), {
      allowed: keysOf(ConnectionListQuerySchema),
    });
    if (q.workspaceId) this.checkScope(req, q.workspaceId);
    const scope = req.principal.scope ? [...req.principal.scope] : undefined;
    const filter: { workspaceId?: string; integrationName?: string; scope?: string[] } = {};
    if (q.workspaceId) filter.workspaceId = q.workspaceId;
    if (q.integrationName) filter.integrationName = q.integrationName;
    if (scope) filter.scope = scope;
    const { items, total } = this.store.listConnections(filter, q);
    return ok({ connections: items, total });
  }

  private getConnection(req: RouteRequest, [id]: string[]): RouteResult {
    const conn = this.store.getConnection(id as string);
    if (!conn)
      throw notFound(`Connection ${id} not found; list connections with GET /api/v1/connections.`);
    if (conn.workspaceId) this.checkScope(req, conn.workspaceId);
    return ok({ connection: conn });
  }

  private async createConnection(req: RouteRequest): Promise<RouteResult> {
    const body = requireObject(await req.readBody());
    const input = parseWith(CreateConnectionSchema, body, {
      allowed: keysOf(CreateConnectionSchema),
    });
    if (req.principal.scope) {
      if (!input.workspaceId) {
        throw new ApiError(
          403,
          "SCOPE_DENIED",
          "This API key is scoped to workspaces: pass a workspaceId in its scope.",
        );
      }
      this.checkScope(req, input.workspaceId);
    }
    const issues = [];
    const catalog = this.catalog();
    if (!catalog.get(input.integrationName)) {
      const suggestions = catalog.suggest(input.integrationName);
      issues.push({
        field: "integrationName",
        message: `"${input.integrationName}" is not in the catalog${suggestions.length ? `; did you mean ${suggestions.join(", ")}?` : ""}`,
        allowed: suggestions,
      });
    }
    if (input.workspaceId && !this.store.getWorkspace(input.workspaceId)) {
      issues.push({
        field: "workspaceId",
        message: `no workspace with id "${input.workspaceId}"; list workspaces with GET /api/v1/workspaces`,
      });
    }
    if (input.scope === "WORKSPACE" && !input.workspaceId) {
      issues.push({ field: "workspaceId", message: "is required when scope is WORKSPACE" });
    }
    if (input.scope === "USER" && !input.endUserId) {
      issues.push({ field: "endUserId", message: "is required when scope is USER" });
    }
    if (issues.length > 0) throw validationError(issues);
    const secrets = {
      secretText: input.secretText,
      username: input.username,
      password: input.password,
      props: input.props,
      accessToken: input.accessToken,
      refreshToken: input.refreshToken,
    };
    const hasSecret = Object.values(secrets).some((v) => v !== undefined);
    try {
      const connection = this.store.insertConnection({
        externalId: input.externalId,
        displayName: input.displayName,
        integrationName: input.integrationName,
        type: input.type,
        scope: input.scope,
        workspaceId: input.workspaceId ?? null,
        endUserId: input.endUserId ?? null,
        secretHash: hasSecret
          ? createHash("sha256").update(JSON.stringify(secrets)).digest("hex")
          : null,
      });
      return ok({ connection }, 201);
    } catch (err) {
      if (!isUnique(err)) throw err;
      const existing = this.store.getConnectionByExternalId(
        input.integrationName,
        input.externalId,
      );
      throw new ApiError(
        409,
        "DUPLICATE",
        `A ${input.integrationName} connection with externalId "${input.externalId}" already exists (id ${existing?.id}); choose another externalId or use the existing connection.`,
        { existing },
      );
    }
  }

  private deleteConnection(req: RouteRequest, [id]: string[]): RouteResult {
    const connId = id as string;
    this.store.write(() => {
      const conn = this.store.getConnection(connId);
      if (!conn)
        throw notFound(
          `Connection ${connId} not found; list connections with GET /api/v1/connections.`,
        );
      if (req.principal.scope) {
        if (!conn.workspaceId) {
          throw new ApiError(
            403,
            "SCOPE_DENIED",
            "This API key is scoped to workspaces and cannot delete organization connections.",
          );
        }
        this.checkScope(req, conn.workspaceId);
      }
      const users = this.store.integrationsUsingConnection(connId);
      if (users.length > 0) {
        throw new ApiError(
          409,
          "CONNECTION_IN_USE",
          `Connection ${connId} is pinned by workspace integration(s) ${users.map((u) => `${u.alias} (${u.id}, workspace ${u.workspaceId})`).join(", ")}; update or delete them first.`,
          { integrations: users },
        );
      }
      this.store.deleteConnection(connId);
    });
    return ok({ deleted: true, id: connId });
  }

  // ---- end users ----

  private async createEndUser(req: RouteRequest): Promise<RouteResult> {
    const body = requireObject(await req.readBody());
    const input = parseWith(CreateEndUserSchema, body, { allowed: keysOf(CreateEndUserSchema) });
    this.checkScope(req, input.workspaceId);
    if (!this.store.getWorkspace(input.workspaceId)) {
      throw validationError([
        {
          field: "workspaceId",
          message: `no workspace with id "${input.workspaceId}"; list workspaces with GET /api/v1/workspaces`,
        },
      ]);
    }
    try {
      const endUser = this.store.insertEndUser({
        workspaceId: input.workspaceId,
        externalId: input.externalId,
        displayName: input.displayName ?? null,
        email: input.email ?? null,
      });
      return ok({ endUser }, 201);
    } catch (err) {
      if (!isUnique(err)) throw err;
      const existing = this.store.getEndUserByExternalId(input.workspaceId, input.externalId);
      throw new ApiError(
        409,
        "DUPLICATE",
        `An end user with externalId "${input.externalId}" already exists in workspace ${input.workspaceId}.`,
        { existing },
      );
    }
  }

  private listEndUsers(req: RouteRequest): RouteResult {
    const q = parseWith(EndUserListQuerySchema, query(req), {
      allowed: keysOf(EndUserListQuerySchema),
    });
    if (q.workspaceId) this.requireWorkspace(req, q.workspaceId);
    const filter: { workspaceId?: string; scope?: string[] } = {};
    if (q.workspaceId) filter.workspaceId = q.workspaceId;
    if (req.principal.scope) filter.scope = [...req.principal.scope];
    const { items, total } = this.store.listEndUsers(filter, q);
    return ok({ endUsers: items, total });
  }

  // ---- MCP servers ----

  private mcpServerNotFound(id: string): ApiError {
    return notFound(`MCP server ${id} not found; list them with GET /api/v1/mcp/servers.`);
  }

  /** The server if it exists and the key may reach its workspace. */
  private requireMcpServer(req: RouteRequest, id: string): McpServerRecord {
    const server = this.store.getMcpServer(id);
    if (!server) throw this.mcpServerNotFound(id);
    this.checkScope(req, server.workspaceId);
    return server;
  }

  private listMcpServers(req: RouteRequest): RouteResult {
    const q = parseWith(McpServerListQuerySchema, query(req), {
      allowed: keysOf(McpServerListQuerySchema),
    });
    if (q.workspaceId) this.requireWorkspace(req, q.workspaceId);
    const filter: { workspaceId?: string; scope?: string[] } = {};
    if (q.workspaceId) filter.workspaceId = q.workspaceId;
    if (req.principal.scope) filter.scope = [...req.principal.scope];
    const { items, total } = this.store.listMcpServers(filter, q);
    return ok({ servers: items, total });
  }

  private async createMcpServer(req: RouteRequest): Promise<RouteResult> {
    const body = requireObject(await req.readBody());
    const input = parseWith(CreateMcpServerSchema, body, { allowed: CREATE_MCP_FIELDS });
    this.checkScope(req, input.workspaceId);
    let bearerToken: string | undefined;
    const server = this.store.write(() => {
      const ws = this.store.getWorkspace(input.workspaceId);
      if (!ws) {
        throw validationError([
          {
            field: "workspaceId",
            message: `no workspace with id "${input.workspaceId}"; list workspaces with GET /api/v1/workspaces`,
          },
        ]);
      }
      if (authModeUsesBearer(input.authMode)) {
        checkBearerAllowed(this.store, ws.id);
        bearerToken = generateToken(MCP_TOKEN_PREFIX);
      }
      const now = new Date().toISOString();
      const rec: McpServerRecord = {
        id: crypto.randomUUID(),
        orgId: ws.orgId,
        workspaceId: ws.id,
        name: input.name,
        description: input.description ?? null,
        mode: input.mode,
        authMode: input.authMode,
        hasBearerToken: bearerToken !== undefined,
        createdAt: now,
        updatedAt: now,
      };
      this.store.insertMcpServer(rec, bearerToken ? hashKey(bearerToken).toString("hex") : null);
      return rec;
    });
    return ok(
      {
        server: server,
        ...(bearerToken ? { bearerToken } : {}),
        mcpEndpoint: `${this.options.origin?.() ?? ""}/api/v1/mcp/servers/${server.id}/mcp`,
      },
      201,
    );
  }

  private getMcpServer(req: RouteRequest, [id]: string[]): RouteResult {
    const server = this.requireMcpServer(req, id as string);
    // Derived on every read (auto-sync): nothing stored can go stale.
    const integrations = this.store.listIntegrationRecords(server.workspaceId);
    const catalog = this.catalog();
    const tools = deriveMcpTools(server, integrations, (name) => catalog.summary(name)?.actions);
    return ok({ server: server, tools });
  }

  private async updateMcpServer(req: RouteRequest, [id]: string[]): Promise<RouteResult> {
    const serverId = id as string;
    const body = requireObject(await req.readBody());
    if (Object.keys(body).length === 0) {
      throw new ApiError(
        400,
        "NO_UPDATES",
        `No fields to update; send at least one of: ${UPDATE_MCP_FIELDS.join(", ")}.`,
        { allowed: UPDATE_MCP_FIELDS },
      );
    }
    const patch = parseWith(UpdateMcpServerSchema, body, {
      allowed: UPDATE_MCP_FIELDS,
      hints: UPDATE_MCP_HINTS,
    });
    let bearerToken: string | undefined;
    const server = this.store.write(() => {
      const existing = this.requireMcpServer(req, serverId);
      const authMode = patch.authMode ?? existing.authMode;
      const bearer = authModeUsesBearer(authMode);
      if (patch.regenerateBearerToken && !bearer) {
        throw validationError([
          {
            field: "regenerateBearerToken",
            message: `only applies when authMode is bearer or oauth_and_bearer (this server's would be ${authMode})`,
          },
        ]);
      }
      // undefined: keep the stored hash; null: drop it; a string: the new token's hash.
      let tokenHash: string | null | undefined;
      if (bearer && (!existing.hasBearerToken || patch.regenerateBearerToken)) {
        // A token is issued only when the workspace can safely share one.
        checkBearerAllowed(this.store, existing.workspaceId);
        bearerToken = generateToken(MCP_TOKEN_PREFIX);
        tokenHash = hashKey(bearerToken).toString("hex");
      } else if (!bearer && existing.hasBearerToken) {
        tokenHash = null;
      }
      let now = new Date().toISOString();
      if (now <= existing.updatedAt) {
        now = new Date(Date.parse(existing.updatedAt) + 1).toISOString();
      }
      const rec: McpServerRecord = {
        ...existing,
        name: patch.name ?? existing.name,
        description: patch.description !== undefined ? patch.description : existing.description,
        mode: patch.mode ?? existing.mode,
        authMode,
        hasBearerToken: tokenHash === undefined ? existing.hasBearerToken : tokenHash !== null,
        updatedAt: now,
      };
      this.store.updateMcpServer(rec, tokenHash);
      return rec;
    });
    return ok({ server: server, ...(bearerToken ? { bearerToken } : {}) });
  }

  private deleteMcpServer(req: RouteRequest, [id]: string[]): RouteResult {
    const serverId = id as string;
    this.store.write(() => {
      this.requireMcpServer(req, serverId);
      this.store.deleteMcpServer(serverId);
    });
    return ok({ deleted: true, id: serverId });
  }

  // ---- change feed (local extension) ----

  private async changes(req: RouteRequest): Promise<RouteResult> {
    const q = parseWith(ChangesQuerySchema, query(req), { allowed: keysOf(ChangesQuerySchema) });
    const feed = this.options.changes;
    const seq = feed ? await feed.wait(q.since, q.waitMs, req.signal) : this.store.changeSeq();
    return ok({ seq });
  }

  // ---- catalog ----

  private getCatalog(req: RouteRequest): RouteResult {
    const q = parseWith(CatalogQuerySchema, query(req), { allowed: keysOf(CatalogQuerySchema) });
    const catalog = this.catalog();
    if (q.name !== undefined && q.search !== undefined) {
      throw validationError([{ field: "name", message: "cannot be combined with search" }]);
    }
    if (q.name !== undefined) {
      const integration = catalog.get(q.name);
      if (!integration) {
        const suggestions = catalog.suggest(q.name);
        throw new ApiError(
          404,
          "INTEGRATION_NOT_FOUND",
          `Integration "${q.name}" is not in the catalog${suggestions.length ? `; did you mean ${suggestions.join(", ")}?` : ""}`,
          { suggestions },
        );
      }
      return ok({ integration });
    }
    if (q.search !== undefined) {
      const all = searchCatalog(catalog.integrations, q.search, Number.POSITIVE_INFINITY);
      const hits = all.slice(q.offset, q.offset + q.limit);
      return ok({
        integrations: hits.map((h) => catalog.summary(h.name)),
        total: all.length,
        hits,
      });
    }
    const page = catalog.integrations.slice(q.offset, q.offset + q.limit);
    const summary = q.summary === "true" || q.summary === "1";
    return ok({
      integrations: summary ? page.map((i) => catalog.summary(i.name)) : page,
      total: catalog.integrations.length,
    });
  }
}
