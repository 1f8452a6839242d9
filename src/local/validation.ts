import type { z } from "zod";
import {
  checkIntegrationRules,
  type FieldIssue,
  fieldIssuesFromZod,
  type IntegrationConfig,
  type IntegrationDraft,
  type RuleViolation,
} from "../domain/index.js";
import type { Catalog } from "./catalog.js";
import { ApiError, validationError } from "./errors.js";
import type { Store } from "./store/index.js";

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

export type { IntegrationConfig, IntegrationDraft } from "../domain/index.js";

export interface CheckContext {
  catalog: Catalog;
  store: Store;
  workspaceId: string;
  mode: "create" | "update";
}

/**
 * The domain's integration rules (shared with the planner) over the store, worded for REST
 * callers: field issues as VALIDATION_ERROR, the bearer rule as a 409. Throws ApiError.
 */
export function checkIntegrationConfig(
  draft: IntegrationDraft,
  ctx: CheckContext,
): IntegrationConfig {
  const { store, workspaceId } = ctx;
  const outcome = checkIntegrationRules(draft, {
    catalog: ctx.catalog,
    workspaceId,
    connection: (id) => store.connections.get(id),
    bearerServers: () => store.mcpServers.withBearer(workspaceId),
  });
  if (outcome.ok) return outcome.config;
  const bearer = outcome.violations.find((v) => v.rule === "BEARER_BLOCKS_PER_USER");
  if (bearer) throw perUserBlocked(workspaceId, bearer.alias, bearer.servers);
  throw validationError(outcome.violations.map((v) => restIssue(v, workspaceId)));
}

/** One violation in the local API's REST wording (paths, not tool names). */
function restIssue(v: RuleViolation, workspaceId: string): FieldIssue {
  switch (v.rule) {
    case "UNKNOWN_INTEGRATION":
      return {
        field: v.field,
        message: `"${v.name}" is not in the catalog${
          v.suggestions.length > 0 ? `; did you mean ${v.suggestions.join(", ")}?` : ""
        } (GET /api/v1/integrations?search=… lists integrations)`,
        allowed: v.suggestions,
      };
    case "INVALID_ALIAS":
      return {
        field: v.field,
        message: `"${v.alias}" is not a valid alias: use 1-64 lowercase letters, digits, _ or -, starting with a letter or digit`,
      };
    case "CONNECTION_NOT_USED":
      return {
        field: v.field,
        message:
          "is not used by the per_user strategy (each end user brings their own connection); omit it, or use per_user_with_fallback to pin a fallback connection",
      };
    case "CONNECTION_NOT_FOUND":
      return {
        field: v.field,
        message: `no connection with id "${v.connectionId}"; list connections with GET /api/v1/connections?integrationName=${v.integrationName}`,
      };
    case "CONNECTION_OTHER_WORKSPACE":
      return {
        field: v.field,
        message: `connection "${v.connectionId}" is not usable in workspace ${workspaceId}: it belongs to another workspace; pin an organisation-level connection or one of this workspace (GET /api/v1/connections?integrationName=${v.integrationName}&workspaceId=${workspaceId})`,
      };
    case "CONNECTION_WRONG_INTEGRATION":
      return {
        field: v.field,
        message: `connection "${v.connectionId}" belongs to integration "${v.connectionIntegration}", not "${v.integrationName}"`,
      };
    case "CONNECTION_REQUIRED":
      return {
        field: v.field,
        message: `is required for connectionStrategy ${v.strategy} on ${v.integrationName}; create or list connections with /api/v1/connections, or use per_user`,
      };
    case "UNKNOWN_ACTIONS":
      return {
        field: v.field,
        message: `unknown action(s) for ${v.integrationName}: ${v.unknown.join(", ")}`,
        allowed: v.valid,
      };
    case "SETTINGS_BLOCK":
      return {
        field: v.field,
        message: `does not apply to ${v.integrationName}${
          v.takers.length > 0 ? `; it applies to ${v.takers.join(", ")}` : ""
        }${v.blocks.length > 0 ? `. ${v.integrationName} takes: ${v.blocks.join(", ")}` : `. ${v.integrationName} takes no settings`}`,
        allowed: v.blocks,
      };
    case "BEARER_BLOCKS_PER_USER":
      return { field: v.field, message: "is blocked by a static bearer MCP server" };
  }
}

/**
 * MCP_BEARER_BLOCKS_PER_USER, integration side: a strict per_user integration cannot exist
 * while the workspace has an MCP server with a static bearer token (one token shared by
 * every caller cannot carry a per-user identity).
 */
function perUserBlocked(
  workspaceId: string,
  alias: string,
  servers: Array<{ id: string; name: string }>,
): ApiError {
  const names = servers.map((s) => `"${s.name}" (${s.id})`).join(", ");
  return new ApiError(
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
  const blockers = store.integrations.perUser(workspaceId);
  if (blockers.length === 0) return;
  const aliases = blockers.map((b) => `${b.alias} (${b.integrationName}, ${b.id})`).join(", ");
  throw new ApiError(
    409,
    "MCP_BEARER_BLOCKS_PER_USER",
    `A static bearer token can't be shared while these integrations of workspace ${workspaceId} need strict per-user credentials: ${aliases}. Switch them to connectionStrategy per_user_with_fallback (with a fallback connectionId), or use authMode oauth.`,
    { integrations: blockers },
  );
}
