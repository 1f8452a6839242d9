import { CreateEndUserSchema, IdSchema, PagingSchema } from "../../domain/index.js";
import { ApiError, validationError } from "../errors.js";
import { parseWith } from "../validation.js";
import {
  type App,
  checkScope,
  type Deps,
  isUnique,
  keysOf,
  ok,
  query,
  readBody,
  requireObject,
  requireWorkspace,
  resource,
  scopeList,
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
      if (q.workspaceId) requireWorkspace(c, deps, q.workspaceId);
      const filter: { workspaceId?: string; scope?: string[] } = {};
      if (q.workspaceId) filter.workspaceId = q.workspaceId;
      const scope = scopeList(c);
      if (scope) filter.scope = scope;
      const { items, total } = store.listEndUsers(filter, q);
      return ok(c, { endUsers: items, total });
    },
    POST: async (c) => {
      const body = requireObject(await readBody(c));
      const input = parseWith(CreateEndUserSchema, body, {
        allowed: keysOf(CreateEndUserSchema),
      });
      checkScope(c, input.workspaceId);
      if (!store.getWorkspace(input.workspaceId)) {
        throw validationError([
          {
            field: "workspaceId",
            message: `no workspace with id "${input.workspaceId}"; list workspaces with GET /api/v1/workspaces`,
          },
        ]);
      }
      try {
        const endUser = store.insertEndUser({
          workspaceId: input.workspaceId,
          externalId: input.externalId,
          displayName: input.displayName ?? null,
          email: input.email ?? null,
        });
        return ok(c, { endUser }, 201);
      } catch (err) {
        if (!isUnique(err)) throw err;
        const existing = store.getEndUserByExternalId(input.workspaceId, input.externalId);
        throw new ApiError(
          409,
          "DUPLICATE",
          `An end user with externalId "${input.externalId}" already exists in workspace ${input.workspaceId}.`,
          { existing },
        );
      }
    },
  });
}
