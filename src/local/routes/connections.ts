import { z } from "zod";
import { CreateConnectionSchema, IdSchema, PagingSchema } from "../../domain/index.js";
import { ApiError, notFound, validationError } from "../errors.js";
import { parseWith } from "../validation.js";
import {
  type App,
  checkScope,
  type Deps,
  isUnique,
  keysOf,
  ok,
  param,
  query,
  readBody,
  requireObject,
  resource,
  scopeList,
} from "./context.js";

const ConnectionListQuerySchema = PagingSchema.extend({
  workspaceId: IdSchema.optional(),
  integrationName: z.string().min(1).max(100).optional(),
});

/** Connections: list, create, get, delete (secrets are sealed at rest, never returned). */
export function connectionRoutes(app: App, deps: Deps): void {
  const { store } = deps;
  const connNotFound = (id: string) =>
    notFound(`Connection ${id} not found; list connections with GET /api/v1/connections.`);

  resource(app, "/api/v1/connections", {
    GET: (c) => {
      const q = parseWith(ConnectionListQuerySchema, query(c), {
        allowed: keysOf(ConnectionListQuerySchema),
      });
      if (q.workspaceId) checkScope(c, q.workspaceId);
      const scope = scopeList(c);
      const filter: { workspaceId?: string; integrationName?: string; scope?: string[] } = {};
      if (q.workspaceId) filter.workspaceId = q.workspaceId;
      if (q.integrationName) filter.integrationName = q.integrationName;
      if (scope) filter.scope = scope;
      const { items, total } = store.connections.list(filter, q);
      return ok(c, { connections: items, total });
    },
    POST: async (c) => {
      const body = requireObject(await readBody(c));
      const input = parseWith(CreateConnectionSchema, body, {
        allowed: keysOf(CreateConnectionSchema),
      });
      if (c.get("principal").scope) {
        if (!input.workspaceId) {
          throw new ApiError(
            403,
            "SCOPE_DENIED",
            "This API key is scoped to workspaces: pass a workspaceId in its scope.",
          );
        }
        checkScope(c, input.workspaceId);
      }
      const issues = [];
      const catalog = deps.catalog();
      if (!catalog.get(input.integrationName)) {
        const suggestions = catalog.suggest(input.integrationName);
        issues.push({
          field: "integrationName",
          message: `"${input.integrationName}" is not in the catalog${suggestions.length ? `; did you mean ${suggestions.join(", ")}?` : ""}`,
          allowed: suggestions,
        });
      }
      if (input.workspaceId && !store.workspaces.get(input.workspaceId)) {
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
        const connection = store.connections.insert({
          externalId: input.externalId,
          displayName: input.displayName,
          integrationName: input.integrationName,
          type: input.type,
          scope: input.scope,
          workspaceId: input.workspaceId ?? null,
          endUserId: input.endUserId ?? null,
          // Sealed at rest by the store (AES-256-GCM, key outside the database).
          secrets: hasSecret ? secrets : null,
        });
        return ok(c, { connection }, 201);
      } catch (err) {
        if (!isUnique(err)) throw err;
        const existing = store.connections.getByExternalId(input.integrationName, input.externalId);
        throw new ApiError(
          409,
          "DUPLICATE",
          `A ${input.integrationName} connection with externalId "${input.externalId}" already exists (id ${existing?.id}); choose another externalId or use the existing connection.`,
          { existing },
        );
      }
    },
  });

  resource(app, "/api/v1/connections/:id", {
    GET: (c) => {
      const id = param(c, "id");
      const conn = store.connections.get(id);
      if (!conn) throw connNotFound(id);
      if (conn.workspaceId) checkScope(c, conn.workspaceId);
      return ok(c, { connection: conn });
    },
    DELETE: (c) => {
      const connId = param(c, "id");
      store.write(() => {
        const conn = store.connections.get(connId);
        if (!conn) throw connNotFound(connId);
        if (c.get("principal").scope) {
          if (!conn.workspaceId) {
            throw new ApiError(
              403,
              "SCOPE_DENIED",
              "This API key is scoped to workspaces and cannot delete organization connections.",
            );
          }
          checkScope(c, conn.workspaceId);
        }
        const users = store.integrations.usingConnection(connId);
        if (users.length > 0) {
          throw new ApiError(
            409,
            "CONNECTION_IN_USE",
            `Connection ${connId} is pinned by workspace integration(s) ${users.map((u) => `${u.alias} (${u.id}, workspace ${u.workspaceId})`).join(", ")}; update or delete them first.`,
            { integrations: users },
          );
        }
        store.connections.delete(connId);
      });
      return ok(c, { deleted: true, id: connId });
    },
  });
}
