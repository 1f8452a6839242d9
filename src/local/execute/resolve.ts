import {
  type CatalogAction,
  type CatalogIntegration,
  connectionUsableIn,
  needsConnection,
  type ParsedExecuteRequest,
  PersistenceSettingsSchema,
} from "../../domain/index.js";
import { type Catalog, requireCatalogIntegration } from "../catalog.js";
import { ApiError, notFound, validationError } from "../errors.js";
import type {
  ConnectionRecord,
  IntegrationRecord,
  Store,
  WorkspaceRecord,
} from "../store/index.js";

/** Everything an execution needs, found before anything runs. */
export interface Resolved {
  workspace: WorkspaceRecord;
  integration: CatalogIntegration;
  action: CatalogAction;
  record: IntegrationRecord;
  /** The connection the strategy picked; null for integrations that need none. */
  connection: ConnectionRecord | null;
  /** How the connection was chosen, for messages. */
  connectionSource: "none" | "fixed" | "end_user" | "fallback" | "explicit";
}

/** Short facts about a connection for error details (never secrets). */
export function connectionFacts(c: ConnectionRecord | null) {
  return c ? { id: c.id, externalId: c.externalId, displayName: c.displayName } : null;
}

function pickIntegration(
  store: Store,
  req: ParsedExecuteRequest,
  workspaceId: string,
): IntegrationRecord {
  const name = req.integrationName;
  let byId: IntegrationRecord | undefined;
  let byAlias: IntegrationRecord | undefined;
  if (req.workspaceIntegrationId !== undefined) {
    byId = store.integrations.get(workspaceId, req.workspaceIntegrationId);
    if (!byId) {
      throw notFound(
        `Workspace integration ${req.workspaceIntegrationId} not found in workspace ${workspaceId}; list the workspace's integrations.`,
        "INTEGRATION_NOT_FOUND",
      );
    }
  }
  if (req.integrationAlias !== undefined) {
    byAlias = store.integrations.getByAlias(workspaceId, req.integrationAlias);
    if (!byAlias) {
      throw notFound(
        `No workspace integration with alias "${req.integrationAlias}" in workspace ${workspaceId}; list the workspace's integrations.`,
        "INTEGRATION_NOT_FOUND",
      );
    }
  }
  if (byId && byAlias && byId.id !== byAlias.id) {
    throw validationError([
      {
        field: "integrationAlias",
        message: `names workspace integration ${byAlias.id}, but workspaceIntegrationId names ${byId.id}; send one of them`,
      },
    ]);
  }
  const chosen = byId ?? byAlias;
  if (chosen) {
    if (chosen.integrationName !== name) {
      throw validationError([
        {
          field: byId ? "workspaceIntegrationId" : "integrationAlias",
          message: `names a "${chosen.integrationName}" integration (alias ${chosen.alias}), not "${name}"`,
        },
      ]);
    }
    return chosen;
  }
  const candidates = store.integrations
    .records(workspaceId)
    .filter((r) => r.integrationName === name);
  if (candidates.length === 0) {
    throw notFound(
      `"${name}" is not configured in workspace ${workspaceId}; add it as a workspace integration first.`,
      "INTEGRATION_NOT_FOUND",
    );
  }
  if (candidates.length > 1) {
    const options = candidates.map((r) => ({ id: r.id, alias: r.alias }));
    throw new ApiError(
      400,
      "AMBIGUOUS_INTEGRATION",
      `"${name}" is configured ${candidates.length} times in workspace ${workspaceId} (aliases ${candidates.map((r) => r.alias).join(", ")}); send integrationAlias or workspaceIntegrationId.`,
      { candidates: options },
    );
  }
  return candidates[0] as IntegrationRecord;
}

function pickConnection(
  store: Store,
  req: ParsedExecuteRequest,
  record: IntegrationRecord,
): Pick<Resolved, "connection" | "connectionSource"> {
  const ws = record.workspaceId;
  const name = record.integrationName;
  const pinned = (): ConnectionRecord => {
    const found = record.connectionId ? store.connections.get(record.connectionId) : undefined;
    // A connection of another workspace (pinned before the rule, or moved) is never used.
    const c = found && connectionUsableIn(found, ws) ? found : undefined;
    if (!c) {
      throw new ApiError(
        400,
        "CONNECTION_REQUIRED",
        `Workspace integration "${record.alias}" (${record.connectionStrategy}) has no usable pinned connection; pin one (connectionId) or switch its strategy.`,
        {
          workspaceIntegrationId: record.id,
          alias: record.alias,
          strategy: record.connectionStrategy,
        },
      );
    }
    return c;
  };
  if (req.connectionExternalId !== undefined) {
    const c = store.connections.getByExternalId(name, req.connectionExternalId);
    if (!c || !connectionUsableIn(c, ws)) {
      throw notFound(
        `No ${name} connection with externalId "${req.connectionExternalId}" usable in workspace ${ws}.`,
        "CONNECTION_NOT_FOUND",
      );
    }
    // Under per_user an explicit connection must still be the caller's own.
    if (record.connectionStrategy === "per_user" && c.endUserId !== (req.endUserId ?? null)) {
      throw new ApiError(
        403,
        "FORBIDDEN",
        `Workspace integration "${record.alias}" is per_user: connection "${req.connectionExternalId}" does not belong to end user ${req.endUserId ?? "(none given)"}.`,
      );
    }
    return { connection: c, connectionSource: "explicit" };
  }
  switch (record.connectionStrategy) {
    case "fixed":
      return { connection: pinned(), connectionSource: "fixed" };
    case "per_user": {
      const own = req.endUserId
        ? store.connections.findForUser(name, req.endUserId, ws)
        : undefined;
      if (!own) {
        throw new ApiError(
          400,
          "CONNECTION_REQUIRED",
          req.endUserId
            ? `End user "${req.endUserId}" has no ${name} connection, and workspace integration "${record.alias}" is per_user (no fallback).`
            : `Workspace integration "${record.alias}" is per_user: send endUserId, the user whose own ${name} connection to use.`,
          {
            workspaceIntegrationId: record.id,
            alias: record.alias,
            integrationName: name,
            strategy: "per_user",
            endUserId: req.endUserId ?? null,
          },
        );
      }
      return { connection: own, connectionSource: "end_user" };
    }
    case "per_user_with_fallback": {
      const own = req.endUserId
        ? store.connections.findForUser(name, req.endUserId, ws)
        : undefined;
      if (own) return { connection: own, connectionSource: "end_user" };
      return { connection: pinned(), connectionSource: "fallback" };
    }
  }
}

/**
 * Resolution exactly as the Weavz docs describe it: workspace → catalog action →
 * workspace integration (id, alias, or the only one) → enabledActions → connection by strategy.
 * Throws ApiError with the documented codes.
 */
export function resolveExecution(
  store: Store,
  catalog: Catalog,
  req: ParsedExecuteRequest,
): Resolved {
  const workspace = store.workspaces.get(req.workspaceId);
  if (!workspace) {
    throw notFound(`Workspace ${req.workspaceId} not found; list workspaces.`);
  }
  const integration = requireCatalogIntegration(catalog, req.integrationName);
  const action = integration.actions.find((a) => a.name === req.actionName);
  if (!action) {
    const actions = integration.actions.map((a) => a.name);
    throw new ApiError(
      404,
      "ACTION_NOT_FOUND",
      `"${req.actionName}" is not an action of ${integration.name}; its actions: ${actions.slice(0, 30).join(", ")}${actions.length > 30 ? ", …" : ""}.`,
      { actions },
    );
  }
  const record = pickIntegration(store, req, workspace.id);
  if (record.enabledActions !== null && !record.enabledActions.includes(action.name)) {
    throw new ApiError(
      403,
      "ACTION_NOT_ALLOWED",
      `Action "${action.name}" is not enabled on workspace integration "${record.alias}"; enabled: ${record.enabledActions.join(", ")}.`,
      {
        workspaceIntegrationId: record.id,
        alias: record.alias,
        enabledActions: record.enabledActions,
      },
    );
  }
  const picked = needsConnection(integration)
    ? pickConnection(store, req, record)
    : { connection: null, connectionSource: "none" as const };
  return { workspace, integration, action, record, ...picked };
}

/**
 * The storage scope key that `settings.persistence` selects: end_user (needs endUserId),
 * workspace, or external (+ externalId, shared across the organization's workspaces).
 */
export function persistenceScope(r: Resolved, endUserId: string | undefined): string {
  const p = PersistenceSettingsSchema.parse(r.record.settings.persistence ?? {});
  switch (p.scope) {
    case "workspace":
      return `ws:${r.workspace.id}`;
    case "external":
      return `org:${r.workspace.orgId}:ext:${p.externalId}`;
    case "end_user":
      if (!endUserId) {
        throw validationError([
          {
            field: "endUserId",
            message: `is required: workspace integration "${r.record.alias}" keeps its data per end user (settings.persistence.scope end_user)`,
          },
        ]);
      }
      return endUserScopeKey(r.workspace.id, endUserId);
  }
}

/** The end_user persistence scope key of one end user (their externalId) in a workspace. */
export function endUserScopeKey(workspaceId: string, endUserId: string): string {
  return `ws:${workspaceId}:user:${endUserId}`;
}
