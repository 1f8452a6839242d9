import {
  authModeUsesBearer,
  CreateMcpServerSchema,
  IdSchema,
  PagingSchema,
  UpdateMcpServerSchema,
} from "../../domain/index.js";
import { notFound, validationError } from "../errors.js";
import { deriveMcpTools } from "../mcp-tools.js";
import type { McpServerRecord } from "../store/index.js";
import { generateToken } from "../tokens.js";
import { checkBearerAllowed, parseWith } from "../validation.js";
import {
  type App,
  type Ctx,
  checkScope,
  type Deps,
  keysOf,
  ok,
  param,
  query,
  readBody,
  readPatch,
  requireObject,
  resource,
  type SecretHasher,
  workspaceFilter,
} from "./context.js";

const McpServerListQuerySchema = PagingSchema.extend({ workspaceId: IdSchema.optional() });
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

/** A new token and its stored form. Hashed before a write transaction: the KDF is async. */
async function newToken(keys: SecretHasher): Promise<{ token: string; stored: string }> {
  const token = generateToken(MCP_TOKEN_PREFIX);
  return { token, stored: await keys.hash(token) };
}

/** newToken on the calling thread, for the rare case the transaction finds one is needed. */
function newTokenSync(keys: SecretHasher): { token: string; stored: string } {
  const token = generateToken(MCP_TOKEN_PREFIX);
  return { token, stored: keys.hashSync(token) };
}

/** MCP server records: list, create, get (with derived tools), update, delete. */
export function mcpServerRoutes(app: App, deps: Deps): void {
  const { store } = deps;
  /** The record as sent: with the endpoint MCP clients connect to (served by this API). */
  const endpointOf = (id: string) => `${deps.origin()}/api/v1/mcp/servers/${id}/mcp`;
  const withEndpoint = (server: McpServerRecord) => ({
    ...server,
    mcpEndpoint: endpointOf(server.id),
  });

  /** The server if it exists and the key may reach its workspace. */
  const requireMcpServer = (c: Ctx, id: string): McpServerRecord => {
    const server = store.mcpServers.get(id);
    if (!server) {
      throw notFound(`MCP server ${id} not found; list them with GET /api/v1/mcp/servers.`);
    }
    checkScope(c, server.workspaceId);
    return server;
  };

  resource(app, "/api/v1/mcp/servers", {
    GET: (c) => {
      const q = parseWith(McpServerListQuerySchema, query(c), {
        allowed: keysOf(McpServerListQuerySchema),
      });
      const filter = workspaceFilter(c, deps, q.workspaceId);
      const { items, total } = store.mcpServers.list(filter, q);
      return ok(c, { servers: items.map(withEndpoint), total });
    },
    POST: async (c) => {
      const body = requireObject(await readBody(c));
      const input = parseWith(CreateMcpServerSchema, body, { allowed: CREATE_MCP_FIELDS });
      checkScope(c, input.workspaceId);
      const issued = authModeUsesBearer(input.authMode) ? await newToken(deps.keys) : undefined;
      let bearerToken: string | undefined;
      const server = store.write(() => {
        const ws = store.workspaces.get(input.workspaceId);
        if (!ws) {
          throw validationError([
            {
              field: "workspaceId",
              message: `no workspace with id "${input.workspaceId}"; list workspaces with GET /api/v1/workspaces`,
            },
          ]);
        }
        if (issued) {
          checkBearerAllowed(store, ws.id);
          bearerToken = issued.token;
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
        store.mcpServers.insert(rec, issued?.stored ?? null);
        return rec;
      });
      return ok(
        c,
        {
          server: withEndpoint(server),
          ...(bearerToken ? { bearerToken } : {}),
          mcpEndpoint: endpointOf(server.id),
        },
        201,
      );
    },
  });

  resource(app, "/api/v1/mcp/servers/:id", {
    GET: (c) => {
      const server = requireMcpServer(c, param(c, "id"));
      // Derived on every read (auto-sync): nothing stored can go stale.
      const integrations = store.integrations.records(server.workspaceId);
      const catalog = deps.catalog();
      const tools = deriveMcpTools(server, integrations, (name) => catalog.summary(name)?.actions);
      return ok(c, { server: withEndpoint(server), tools });
    },
    PATCH: async (c) => {
      const serverId = param(c, "id");
      const patch = await readPatch(c, UpdateMcpServerSchema, UPDATE_MCP_FIELDS, UPDATE_MCP_HINTS);
      // Whether a token will be issued is decided inside the transaction; hash one ahead when
      // it may be (the KDF cannot run inside it), judging by the server as read now.
      const before = store.mcpServers.get(serverId);
      const mayIssue =
        before !== undefined &&
        authModeUsesBearer(patch.authMode ?? before.authMode) &&
        (patch.regenerateBearerToken === true || !before.hasBearerToken);
      let issued = mayIssue ? await newToken(deps.keys) : undefined;
      let bearerToken: string | undefined;
      const server = store.write(() => {
        const existing = requireMcpServer(c, serverId);
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
          checkBearerAllowed(store, existing.workspaceId);
          // Not hashed ahead only if another writer changed the server meanwhile.
          issued ??= newTokenSync(deps.keys);
          bearerToken = issued.token;
          tokenHash = issued.stored;
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
        store.mcpServers.update(rec, tokenHash);
        return rec;
      });
      return ok(c, { server: withEndpoint(server), ...(bearerToken ? { bearerToken } : {}) });
    },
    DELETE: (c) => {
      const serverId = param(c, "id");
      store.write(() => {
        requireMcpServer(c, serverId);
        store.mcpServers.delete(serverId);
      });
      return ok(c, { deleted: true, id: serverId });
    },
  });
}
