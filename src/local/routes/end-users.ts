import { CreateEndUserSchema, IdSchema, PagingSchema } from "../../domain/index.js";
import { ApiError, notFound, validationError } from "../errors.js";
import { endUserScopeKey } from "../execute/resolve.js";
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
  workspaceFilter,
} from "./context.js";

const EndUserListQuerySchema = PagingSchema.extend({ workspaceId: IdSchema.optional() });

/** End users of a workspace (their externalId is the `endUserId` callers pass). */
export function endUserRoutes(app: App, deps: Deps): void {
  const { store } = deps;

  resource(app, "/api/v1/end-users", {
    GET: (c) => {
      const q = parseWith(EndUserListQuerySchema, query(c), {
        allowed: keysOf(EndUserListQuerySchema),
      });
      const filter = workspaceFilter(c, deps, q.workspaceId);
      const { items, total } = store.endUsers.list(filter, q);
      return ok(c, { endUsers: items, total });
    },
    POST: async (c) => {
      const body = requireObject(await readBody(c));
      const input = parseWith(CreateEndUserSchema, body, {
        allowed: keysOf(CreateEndUserSchema),
      });
      checkScope(c, input.workspaceId);
      if (!store.workspaces.get(input.workspaceId)) {
        throw validationError([
          {
            field: "workspaceId",
            message: `no workspace with id "${input.workspaceId}"; list workspaces with GET /api/v1/workspaces`,
          },
        ]);
      }
      try {
        const endUser = store.endUsers.insert({
          workspaceId: input.workspaceId,
          externalId: input.externalId,
          displayName: input.displayName ?? null,
          email: input.email ?? null,
        });
        return ok(c, { endUser }, 201);
      } catch (err) {
        if (!isUnique(err)) throw err;
        const existing = store.endUsers.getByExternalId(input.workspaceId, input.externalId);
        throw new ApiError(
          409,
          "DUPLICATE",
          `An end user with externalId "${input.externalId}" already exists in workspace ${input.workspaceId}.`,
          { existing },
        );
      }
    },
  });

  const endUserNotFound = (id: string) =>
    notFound(`End user ${id} not found; list end users with GET /api/v1/end-users.`);

  resource(app, "/api/v1/end-users/:id", {
    GET: (c) => {
      const id = param(c, "id");
      const endUser = store.endUsers.get(id);
      if (!endUser) throw endUserNotFound(id);
      checkScope(c, endUser.workspaceId);
      const connections = store.connections.ofEndUser(endUser.workspaceId, endUser.externalId);
      return ok(c, { endUser, connections });
    },
    // Deletes the user's own connections with them (refused while one is pinned) and the
    // data the built-ins kept in their end_user scope.
    DELETE: (c) => {
      const id = param(c, "id");
      store.write(() => {
        const endUser = store.endUsers.get(id);
        if (!endUser) throw endUserNotFound(id);
        checkScope(c, endUser.workspaceId);
        const connections = store.connections.ofEndUser(endUser.workspaceId, endUser.externalId);
        for (const conn of connections) {
          const users = store.integrations.usingConnection(conn.id);
          if (users.length > 0) {
            throw new ApiError(
              409,
              "CONNECTION_IN_USE",
              `End user ${id}'s connection ${conn.id} is pinned by workspace integration(s) ${users.map((u) => u.alias).join(", ")}; update or delete them first.`,
              { integrations: users },
            );
          }
        }
        for (const conn of connections) store.connections.delete(conn.id);
        const scope = endUserScopeKey(endUser.workspaceId, endUser.externalId);
        store.kv.deleteScope(scope);
        store.files.deleteScope(scope);
        store.endUsers.delete(id);
      });
      return ok(c, { deleted: true, id });
    },
  });
}
