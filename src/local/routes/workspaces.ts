import { CreateWorkspaceSchema, PagingSchema } from "../../domain/index.js";
import { ApiError } from "../errors.js";
import { parseWith } from "../validation.js";
import {
  type App,
  type Deps,
  isUnique,
  keysOf,
  ok,
  param,
  query,
  readBody,
  requireObject,
  requireWorkspace,
  resource,
  scopeList,
} from "./context.js";

/** GET/POST /workspaces, GET /workspaces/:workspaceId. */
export function workspaceRoutes(app: App, deps: Deps): void {
  const { store } = deps;

  resource(app, "/api/v1/workspaces", {
    GET: (c) => {
      const page = parseWith(PagingSchema, query(c), { allowed: keysOf(PagingSchema) });
      const { items, total } = store.workspaces.list(page, scopeList(c));
      return ok(c, { workspaces: items, total });
    },
    POST: async (c) => {
      if (c.get("principal").scope) {
        throw new ApiError(
          403,
          "SCOPE_DENIED",
          "This API key is scoped to workspaces and cannot create workspaces.",
        );
      }
      const body = requireObject(await readBody(c));
      const input = parseWith(CreateWorkspaceSchema, body, {
        allowed: keysOf(CreateWorkspaceSchema),
      });
      try {
        return ok(c, { workspace: store.workspaces.insert(input.name, input.slug) }, 201);
      } catch (err) {
        if (!isUnique(err)) throw err;
        const existing = store.workspaces.getBySlug(input.slug);
        throw new ApiError(
          409,
          "DUPLICATE",
          `A workspace with slug "${input.slug}" already exists; choose another slug.`,
          { existing },
        );
      }
    },
  });

  resource(app, "/api/v1/workspaces/:workspaceId", {
    GET: (c) => ok(c, { workspace: requireWorkspace(c, deps, param(c, "workspaceId")) }),
  });
}
