import { z } from "zod";
import {
  CreateWorkspaceIntegrationSchema,
  createIntegrationDraft,
  externalNamespacesOf,
  mergeIntegrationPatch,
  UpdateWorkspaceIntegrationSchema,
} from "../../domain/index.js";
import { ApiError, notFound, validationError } from "../errors.js";
import type { IntegrationRecord } from "../store/index.js";
import { sqliteCode } from "../store/index.js";
import { checkIntegrationConfig, parseWith } from "../validation.js";
import {
  type App,
  checkScope,
  type Deps,
  isUnique,
  json,
  keysOf,
  ok,
  param,
  query,
  readBody,
  readPatch,
  requireObject,
  requireWorkspace,
  resource,
  searchParams,
} from "./context.js";
import { writeContext } from "./history.js";

const WorkspaceIntegrationQuerySchema = z.strictObject({});
const CREATE_WI_FIELDS = keysOf(CreateWorkspaceIntegrationSchema);
const UPDATE_WI_FIELDS = keysOf(UpdateWorkspaceIntegrationSchema);
const UPDATE_HINTS = {
  integrationName:
    "cannot be changed: delete the workspace integration and create a new one with the other integrationName",
  id: "cannot be changed",
  workspaceId: "cannot be changed",
  orgId: "cannot be changed",
};

/** The workspace integrations of one workspace: list, create, update, delete. */
export function integrationRoutes(app: App, deps: Deps): void {
  const { store } = deps;

  const notFoundIn = (workspaceId: string, id: string) =>
    notFound(
      `Workspace integration ${id} not found in workspace ${workspaceId}; list them with GET /api/v1/workspaces/${workspaceId}/integrations.`,
    );

  const mapWriteError = (err: unknown, workspaceId: string, alias: string): unknown => {
    if (isUnique(err)) {
      const existing = store.integrations.getByAlias(workspaceId, alias);
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
  };

  /**
   * A key limited to some workspaces may not point an integration at an organisation-wide
   * external namespace (persistence or storage mount scope external): that data is shared by
   * every workspace of the organisation, so reaching it would cross the key's limit. One the
   * owner configured stays usable and editable in its other fields.
   */
  const checkExternalReach = (
    c: Parameters<typeof checkScope>[0],
    settings: Record<string, unknown>,
    before: Record<string, unknown> | undefined,
  ) => {
    if (!c.get("principal").scope) return;
    const had = new Set(externalNamespacesOf(before));
    const added = externalNamespacesOf(settings).filter((n) => !had.has(n));
    if (added.length === 0) return;
    throw new ApiError(
      403,
      "SCOPE_DENIED",
      "This API key is limited to some workspaces, and scope external shares data across every workspace of the organisation: use scope workspace (or end_user), or have an organisation-wide key set up the external namespace.",
      { field: "settings", namespaces: added.map((n) => n.slice(n.indexOf(":") + 1)) },
    );
  };

  resource(app, "/api/v1/workspaces/:workspaceId/integrations", {
    GET: (c) => {
      const ws = param(c, "workspaceId");
      checkScope(c, ws);
      if (searchParams(c).size > 0) {
        parseWith(WorkspaceIntegrationQuerySchema, query(c), { allowed: [] });
      }
      const body = store.integrations.listJson(ws);
      // An empty list may mean an unknown workspace: only then pay for the lookup.
      if (body.length < 40 && body.toString("utf8").startsWith('{"integrations":[]')) {
        requireWorkspace(c, deps, ws);
      }
      return json(c, body);
    },
    POST: async (c) => {
      const ws = requireWorkspace(c, deps, param(c, "workspaceId"));
      const body = requireObject(await readBody(c));
      const input = parseWith(CreateWorkspaceIntegrationSchema, body, {
        allowed: CREATE_WI_FIELDS,
      });
      const change = writeContext(c);
      let alias = input.alias ?? input.integrationName;
      try {
        const record = store.write(() => {
          const config = checkIntegrationConfig(createIntegrationDraft(input), {
            catalog: deps.catalog(),
            store,
            workspaceId: ws.id,
            mode: "create",
          });
          checkExternalReach(c, config.settings, undefined);
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
          store.integrations.insert(rec, change);
          return rec;
        });
        return ok(c, { integration: record }, 201);
      } catch (err) {
        throw mapWriteError(err, ws.id, alias);
      }
    },
  });

  resource(app, "/api/v1/workspaces/:workspaceId/integrations/:id", {
    PATCH: async (c) => {
      const workspaceId = param(c, "workspaceId");
      const id = param(c, "id");
      requireWorkspace(c, deps, workspaceId);
      const patch = await readPatch(
        c,
        UpdateWorkspaceIntegrationSchema,
        UPDATE_WI_FIELDS,
        UPDATE_HINTS,
      );
      const change = writeContext(c);
      let alias = patch.alias ?? "";
      try {
        const record = store.write(() => {
          const existing = store.integrations.get(workspaceId, id);
          if (!existing) throw notFoundIn(workspaceId, id);
          const config = checkIntegrationConfig(mergeIntegrationPatch(existing, patch), {
            catalog: deps.catalog(),
            store,
            workspaceId,
            mode: "update",
          });
          checkExternalReach(c, config.settings, existing.settings);
          alias = config.alias;
          let now = new Date().toISOString();
          if (now <= existing.updatedAt) {
            now = new Date(Date.parse(existing.updatedAt) + 1).toISOString();
          }
          const rec: IntegrationRecord = { ...existing, ...config, updatedAt: now };
          store.integrations.update(rec, { before: existing, change });
          return rec;
        });
        return ok(c, { integration: record });
      } catch (err) {
        throw mapWriteError(err, workspaceId, alias);
      }
    },
    DELETE: (c) => {
      const workspaceId = param(c, "workspaceId");
      const id = param(c, "id");
      requireWorkspace(c, deps, workspaceId);
      if (!store.integrations.delete(workspaceId, id, writeContext(c))) {
        throw notFoundIn(workspaceId, id);
      }
      return ok(c, { deleted: true, id });
    },
  });
}
