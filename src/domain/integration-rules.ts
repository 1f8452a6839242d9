import type { CatalogIndex } from "./catalog-index.js";
import { ALIAS_PATTERN } from "./common.js";
import { needsConnection } from "./entities.js";
import {
  type ConnectionStrategy,
  type CreateWorkspaceIntegration,
  type Settings,
  STRATEGIES_NEEDING_CONNECTION,
  type UpdateWorkspaceIntegration,
} from "./integration.js";

/** What a create or (merged) update asks for, before the catalog and workspace checks. */
export interface IntegrationDraft {
  integrationName: string;
  alias: string | undefined;
  connectionStrategy: ConnectionStrategy;
  connectionId: string | null;
  displayName: string | null;
  enabledActions: string[] | null;
  settings: Settings | null | undefined;
  sortOrder: number;
}

/** The checked, normalised configuration of a workspace integration (what gets stored). */
export interface IntegrationConfig {
  integrationName: string;
  alias: string;
  displayName: string | null;
  connectionStrategy: ConnectionStrategy;
  connectionId: string | null;
  enabledActions: string[] | null;
  settings: Record<string, unknown>;
  sortOrder: number;
}

/** A static-bearer MCP server of a workspace (what blocks strict per_user). */
export interface BearerServerRef {
  id: string;
  name: string;
}

/**
 * One broken rule, as facts: the local API words these for REST callers, the planner for the
 * model and the CLI. `field` is the create field at fault.
 */
export type RuleViolation =
  | { rule: "UNKNOWN_INTEGRATION"; field: "integrationName"; name: string; suggestions: string[] }
  | { rule: "INVALID_ALIAS"; field: "alias"; alias: string }
  | { rule: "CONNECTION_NOT_USED"; field: "connectionId"; connectionId: string }
  | {
      rule: "CONNECTION_NOT_FOUND";
      field: "connectionId";
      connectionId: string;
      integrationName: string;
    }
  | {
      /** A WORKSPACE- or USER-scoped connection of another workspace: never usable here. */
      rule: "CONNECTION_OTHER_WORKSPACE";
      field: "connectionId";
      connectionId: string;
      integrationName: string;
    }
  | {
      rule: "CONNECTION_WRONG_INTEGRATION";
      field: "connectionId";
      connectionId: string;
      connectionIntegration: string;
      integrationName: string;
    }
  | {
      rule: "CONNECTION_REQUIRED";
      field: "connectionId";
      strategy: ConnectionStrategy;
      integrationName: string;
    }
  | {
      rule: "UNKNOWN_ACTIONS";
      field: "enabledActions";
      integrationName: string;
      unknown: string[];
      valid: string[];
    }
  | {
      rule: "SETTINGS_BLOCK";
      field: string;
      block: string;
      integrationName: string;
      /** Integrations that do take this block. */
      takers: string[];
      /** Blocks this integration takes. */
      blocks: string[];
    }
  | {
      rule: "BEARER_BLOCKS_PER_USER";
      field: "connectionStrategy";
      alias: string;
      servers: BearerServerRef[];
    };

/** What the rules need to know about the workspace beyond the draft. */
export interface RuleContext {
  catalog: CatalogIndex;
  /** The workspace the integration belongs to. */
  workspaceId: string;
  /**
   * The connection with this id (any workspace), or undefined; workspaceId null or absent
   * for an organisation-level connection.
   */
  connection(id: string): { integrationName: string; workspaceId?: string | null } | undefined;
  /** The workspace's MCP servers with a static bearer token. */
  bearerServers(): BearerServerRef[];
}

/** The outcome of the rules: a config to store, or what is wrong. */
export type RuleOutcome =
  | { ok: true; config: IntegrationConfig }
  | { ok: false; violations: RuleViolation[] };

/**
 * Every rule about a workspace integration's configuration, shared by the local API (create
 * and merged update) and the planner. Order matters and matches the API: an unknown
 * integration is reported alone; the field rules together; the bearer rule only when they pass.
 */
export function checkIntegrationRules(draft: IntegrationDraft, ctx: RuleContext): RuleOutcome {
  const { catalog } = ctx;
  const integration = catalog.get(draft.integrationName);
  if (!integration) {
    return {
      ok: false,
      violations: [
        {
          rule: "UNKNOWN_INTEGRATION",
          field: "integrationName",
          name: draft.integrationName,
          suggestions: catalog.suggest(draft.integrationName),
        },
      ],
    };
  }
  const violations: RuleViolation[] = [];
  const alias = draft.alias ?? draft.integrationName;
  if (!ALIAS_PATTERN.test(alias)) violations.push({ rule: "INVALID_ALIAS", field: "alias", alias });

  const strategy = draft.connectionStrategy;
  const connectionId = draft.connectionId;
  if (strategy === "per_user" && connectionId !== null) {
    violations.push({ rule: "CONNECTION_NOT_USED", field: "connectionId", connectionId });
  } else if (connectionId !== null) {
    const conn = ctx.connection(connectionId);
    if (!conn) {
      violations.push({
        rule: "CONNECTION_NOT_FOUND",
        field: "connectionId",
        connectionId,
        integrationName: integration.name,
      });
    } else if (!connectionUsableIn(conn, ctx.workspaceId)) {
      violations.push({
        rule: "CONNECTION_OTHER_WORKSPACE",
        field: "connectionId",
        connectionId,
        integrationName: integration.name,
      });
    } else if (conn.integrationName !== integration.name) {
      violations.push({
        rule: "CONNECTION_WRONG_INTEGRATION",
        field: "connectionId",
        connectionId,
        connectionIntegration: conn.integrationName,
        integrationName: integration.name,
      });
    }
  } else if (STRATEGIES_NEEDING_CONNECTION.includes(strategy) && needsConnection(integration)) {
    violations.push({
      rule: "CONNECTION_REQUIRED",
      field: "connectionId",
      strategy,
      integrationName: integration.name,
    });
  }

  // Actions: exact catalog names, duplicates dropped (first order kept).
  let enabledActions: string[] | null = null;
  if (draft.enabledActions !== null) {
    const valid = catalog.actionNames(integration.name) ?? new Set<string>();
    const unique = [...new Set(draft.enabledActions)];
    const unknown = unique.filter((a) => !valid.has(a));
    if (unknown.length > 0) {
      violations.push({
        rule: "UNKNOWN_ACTIONS",
        field: "enabledActions",
        integrationName: integration.name,
        unknown,
        valid: [...valid],
      });
    }
    enabledActions = unique;
  }

  // Settings blocks: only those the catalog lists for this integration.
  const settings: Record<string, unknown> = {};
  const blocks = integration.settingsBlocks ?? [];
  for (const [block, value] of Object.entries(draft.settings ?? {})) {
    if (value === undefined) continue;
    if (!blocks.includes(block)) {
      violations.push({
        rule: "SETTINGS_BLOCK",
        field: `settings.${block}`,
        block,
        integrationName: integration.name,
        takers: catalog.integrationsWithBlock(block),
        blocks,
      });
      continue;
    }
    settings[block] = value;
  }

  if (violations.length > 0) return { ok: false, violations };
  if (strategy === "per_user") {
    const servers = ctx.bearerServers();
    if (servers.length > 0) {
      return {
        ok: false,
        violations: [
          { rule: "BEARER_BLOCKS_PER_USER", field: "connectionStrategy", alias, servers },
        ],
      };
    }
  }
  // Key order is the spec's: records built from this serialize in it without re-ordering.
  return {
    ok: true,
    config: {
      integrationName: integration.name,
      alias,
      displayName: draft.displayName,
      connectionStrategy: strategy,
      connectionId,
      enabledActions,
      settings,
      sortOrder: draft.sortOrder,
    },
  };
}

/**
 * Whether a connection may serve an integration of WORKSPACEID: organisation-level ones
 * (no workspaceId) serve every workspace, the others only their own. The one rule the local
 * API, the planner and execution all apply.
 */
export function connectionUsableIn(
  conn: { workspaceId?: string | null },
  workspaceId: string,
): boolean {
  return (
    conn.workspaceId === null || conn.workspaceId === undefined || conn.workspaceId === workspaceId
  );
}

/**
 * The organisation-wide external namespaces a configuration reaches (persistence and the
 * advanced-code storage mount with scope external): shared across every workspace of the
 * organisation, so only an organisation-wide principal may point an integration at one.
 */
export function externalNamespacesOf(
  settings: Record<string, unknown> | null | undefined,
): string[] {
  const out: string[] = [];
  const persistence = settings?.persistence as { scope?: string; externalId?: string } | undefined;
  if (persistence?.scope === "external" && persistence.externalId)
    out.push(`persistence:${persistence.externalId}`);
  const code = settings?.advancedCode as
    | { storageMountScope?: string; storageExternalId?: string }
    | undefined;
  if (code?.storageMountScope === "external" && code.storageExternalId)
    out.push(`storage:${code.storageExternalId}`);
  return out;
}

/** A stored integration's configuration fields (a record has these and more). */
export type StoredIntegration = IntegrationConfig;

/**
 * The configured fields of a stored or listed integration, without its id or anything else it
 * carries; absent settings (the API may omit them) become {}.
 */
export function integrationConfigOf(
  i: Omit<IntegrationConfig, "settings"> & { settings?: Record<string, unknown> | undefined },
): IntegrationConfig {
  return {
    integrationName: i.integrationName,
    alias: i.alias,
    displayName: i.displayName,
    connectionStrategy: i.connectionStrategy,
    connectionId: i.connectionId,
    enabledActions: i.enabledActions,
    settings: i.settings ?? {},
    sortOrder: i.sortOrder,
  };
}

/** The draft a create produces: the create fields with their defaults filled. */
export function createIntegrationDraft(input: CreateWorkspaceIntegration): IntegrationDraft {
  return {
    integrationName: input.integrationName,
    alias: input.alias,
    connectionStrategy: input.connectionStrategy,
    connectionId: input.connectionId ?? null,
    displayName: input.displayName ?? null,
    enabledActions: input.enabledActions ?? null,
    settings: input.settings,
    sortOrder: input.sortOrder ?? 0,
  };
}

/**
 * The draft an update produces: the patch over the stored fields. Switching to per_user
 * drops the pinned connection unless the patch sends one (which the rules then reject).
 */
export function mergeIntegrationPatch(
  existing: StoredIntegration,
  patch: UpdateWorkspaceIntegration,
): IntegrationDraft {
  const strategy = patch.connectionStrategy ?? existing.connectionStrategy;
  return {
    integrationName: existing.integrationName,
    alias: patch.alias ?? existing.alias,
    connectionStrategy: strategy,
    connectionId:
      patch.connectionId !== undefined
        ? patch.connectionId
        : strategy === "per_user"
          ? null
          : existing.connectionId,
    displayName: patch.displayName !== undefined ? patch.displayName : existing.displayName,
    enabledActions:
      patch.enabledActions !== undefined ? patch.enabledActions : existing.enabledActions,
    settings: patch.settings !== undefined ? patch.settings : (existing.settings as Settings),
    sortOrder: patch.sortOrder ?? existing.sortOrder,
  };
}
