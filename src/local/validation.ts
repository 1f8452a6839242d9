import type { z } from "zod";
import {
  ALIAS_PATTERN,
  type ConnectionStrategy,
  type FieldIssue,
  fieldIssuesFromZod,
  needsConnection,
  type Settings,
  STRATEGIES_NEEDING_CONNECTION,
} from "../domain/index.js";
import type { Catalog } from "./catalog.js";
import { ApiError, validationError } from "./errors.js";
import type { IntegrationRecord, Store } from "./store.js";

/** Extra words for fields a strict schema rejects, e.g. integrationName on PATCH. */
export type FieldHints = Record<string, string>;

/**
 * Parses a body (or query) with a strict zod schema. Unknown fields are named, with the
 * allowed ones listed; `hints` replaces the message for specific unknown fields.
 */
export function parseWith<S extends z.ZodType>(
  schema: S,
  input: unknown,
  opts: { allowed?: readonly string[]; hints?: FieldHints; prefix?: string } = {},
): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues: FieldIssue[] = [];
  for (const issue of fieldIssuesFromZod(result.error, opts.prefix)) {
    if (!issue.message.startsWith("unknown field")) {
      issues.push(issue);
      continue;
    }
    // One issue per unknown field, so each is named on its own.
    for (const field of issue.field.split(", ")) {
      const top = !field.includes(".");
      const hint = opts.hints?.[field];
      if (hint) {
        issues.push({ field, message: hint });
      } else if (top && opts.allowed) {
        issues.push({ field, message: "is not a known field", allowed: [...opts.allowed] });
      } else {
        issues.push({ field, message: "is not a known field" });
      }
    }
  }
  throw validationError(issues);
}

/** What a create or (merged) update asks for, before the catalog and store checks. */
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

/** The checked, normalised configuration, ready to store: a record without ids and times. */
export type IntegrationConfig = Omit<
  IntegrationRecord,
  "id" | "workspaceId" | "orgId" | "createdAt" | "updatedAt"
>;

export interface CheckContext {
  catalog: Catalog;
  store: Store;
  workspaceId: string;
  mode: "create" | "update";
}

/**
 * Every rule about a workspace integration's configuration, shared by create and update so
 * later rules (e.g. MCP_BEARER_BLOCKS_PER_USER) hook in at one place. Throws ApiError.
 */
export function checkIntegrationConfig(
  draft: IntegrationDraft,
  ctx: CheckContext,
): IntegrationConfig {
  const { catalog, store } = ctx;
  const issues: FieldIssue[] = [];
  const integration = catalog.get(draft.integrationName);
  if (!integration) {
    const suggestions = catalog.suggest(draft.integrationName);
    throw validationError([
      {
        field: "integrationName",
        message: `"${draft.integrationName}" is not in the catalog${
          suggestions.length > 0 ? `; did you mean ${suggestions.join(", ")}?` : ""
        } (GET /api/v1/integrations?search=… lists integrations)`,
        allowed: suggestions,
      },
    ]);
  }

  const alias = draft.alias ?? draft.integrationName;
  if (!ALIAS_PATTERN.test(alias)) {
    issues.push({
      field: "alias",
      message: `"${alias}" is not a valid alias: use 1-64 lowercase letters, digits, _ or -, starting with a letter or digit`,
    });
  }

  // Connection rules.
  const strategy = draft.connectionStrategy;
  const connectionId = draft.connectionId;
  if (strategy === "per_user" && connectionId !== null) {
    issues.push({
      field: "connectionId",
      message:
        "is not used by the per_user strategy (each end user brings their own connection); omit it, or use per_user_with_fallback to pin a fallback connection",
    });
  } else if (connectionId !== null) {
    const conn = store.getConnection(connectionId);
    if (!conn) {
      issues.push({
        field: "connectionId",
        message: `no connection with id "${connectionId}"; list connections with GET /api/v1/connections?integrationName=${integration.name}`,
      });
    } else if (conn.integrationName !== integration.name) {
      issues.push({
        field: "connectionId",
        message: `connection "${connectionId}" belongs to integration "${conn.integrationName}", not "${integration.name}"`,
      });
    }
  } else if (STRATEGIES_NEEDING_CONNECTION.includes(strategy) && needsConnection(integration)) {
    issues.push({
      field: "connectionId",
      message: `is required for connectionStrategy ${strategy} on ${integration.name}; create or list connections with /api/v1/connections, or use per_user`,
    });
  }

  // Actions: exact catalog names, duplicates dropped (first order kept).
  let enabledActions: string[] | null = null;
  if (draft.enabledActions !== null) {
    const valid = catalog.actionNames(integration.name) ?? new Set<string>();
    const unique = [...new Set(draft.enabledActions)];
    const unknown = unique.filter((a) => !valid.has(a));
    if (unknown.length > 0) {
      issues.push({
        field: "enabledActions",
        message: `unknown action(s) for ${integration.name}: ${unknown.join(", ")}`,
        allowed: [...valid],
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
      const takers = catalog.integrationsWithBlock(block);
      issues.push({
        field: `settings.${block}`,
        message: `does not apply to ${integration.name}${
          takers.length > 0 ? `; it applies to ${takers.join(", ")}` : ""
        }${blocks.length > 0 ? `. ${integration.name} takes: ${blocks.join(", ")}` : `. ${integration.name} takes no settings`}`,
        allowed: blocks,
      });
      continue;
    }
    settings[block] = value;
  }

  if (issues.length > 0) throw validationError(issues);
  if (strategy === "per_user") checkPerUserAllowed(store, ctx.workspaceId, alias);
  // Key order is the spec's: records built from this serialize in it without re-ordering.
  return {
    integrationName: integration.name,
    alias,
    displayName: draft.displayName,
    connectionStrategy: strategy,
    connectionId,
    enabledActions,
    settings,
    sortOrder: draft.sortOrder,
  };
}

/**
 * MCP_BEARER_BLOCKS_PER_USER, integration side: a strict per_user integration cannot exist
 * while the workspace has an MCP server with a static bearer token (one token shared by
 * every caller cannot carry a per-user identity).
 */
export function checkPerUserAllowed(store: Store, workspaceId: string, alias: string): void {
  const servers = store.bearerMcpServers(workspaceId);
  if (servers.length === 0) return;
  const names = servers.map((s) => `"${s.name}" (${s.id})`).join(", ");
  throw new ApiError(
    409,
    "MCP_BEARER_BLOCKS_PER_USER",
    `Integration "${alias}" cannot use connectionStrategy per_user: workspace ${workspaceId} has MCP server(s) with a static bearer token (${names}), and a token shared by every caller cannot carry strict per-user credentials. Either switch static bearer off first (PATCH /api/v1/mcp/servers/{id} with {"authMode":"oauth"} for ${servers.length === 1 ? "that server" : "each of them"}), or use connectionStrategy per_user_with_fallback with a fallback connectionId.`,
    { mcpServers: servers },
  );
}

/**
 * MCP_BEARER_BLOCKS_PER_USER, MCP server side: a static bearer token is issued only when no
 * integration of the workspace needs strict per_user credentials.
 */
export function checkBearerAllowed(store: Store, workspaceId: string): void {
  const blockers = store.perUserIntegrations(workspaceId);
  if (blockers.length === 0) return;
  const aliases = blockers.map((b) => `${b.alias} (${b.integrationName}, ${b.id})`).join(", ");
  throw new ApiError(
    409,
    "MCP_BEARER_BLOCKS_PER_USER",
    `A static bearer token can't be shared while these integrations of workspace ${workspaceId} need strict per-user credentials: ${aliases}. Switch them to connectionStrategy per_user_with_fallback (with a fallback connectionId), or use authMode oauth.`,
    { integrations: blockers },
  );
}
