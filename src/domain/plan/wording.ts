// Owns the wording of rule violations as plan issues (with the connections one could pin).
import { closestNames } from "../catalog-index.js";
import { connectionUsableIn, type RuleViolation } from "../integration-rules.js";
import type { LiveConnection, PlanIssue } from "./model.js";

/** The connections of INTEGRATIONNAME an integration of WORKSPACEID may pin. */
function usable(
  integrationName: string,
  all: readonly LiveConnection[],
  workspaceId: string,
): LiveConnection[] {
  return all.filter(
    (c) => c.integrationName === integrationName && connectionUsableIn(c, workspaceId),
  );
}

function connectionsList(
  integrationName: string,
  all: readonly LiveConnection[],
  workspaceId: string,
): string[] {
  return usable(integrationName, all, workspaceId).map((c) => c.id);
}

function describeConnections(
  integrationName: string,
  all: readonly LiveConnection[],
  workspaceId: string,
): string {
  const list = usable(integrationName, all, workspaceId);
  if (list.length === 0) return `there are no ${integrationName} connections yet`;
  return `${integrationName} connections: ${list
    .slice(0, 8)
    .map((c) => `${c.id}${c.displayName ? ` (${c.displayName})` : ""}`)
    .join(", ")}${list.length > 8 ? `, … ${list.length - 8} more` : ""}`;
}

/** A rule violation as a plan issue, worded for people and models alike (no REST paths). */
export function wordViolation(
  alias: string,
  v: RuleViolation,
  conns: readonly LiveConnection[],
  ws: string,
): PlanIssue {
  const base = { alias, field: v.field, rule: v.rule };
  switch (v.rule) {
    case "UNKNOWN_INTEGRATION":
      return {
        ...base,
        message: `"${v.name}" is not in the catalog${v.suggestions.length > 0 ? `; closest: ${v.suggestions.join(", ")}` : ""}`,
        suggestions: v.suggestions,
      };
    case "INVALID_ALIAS":
      return {
        ...base,
        message: `"${v.alias}" is not a valid alias: 1-64 lowercase letters, digits, _ or -, starting with a letter or digit`,
      };
    case "CONNECTION_NOT_USED":
      return {
        ...base,
        message:
          "per_user takes no connectionId (each end user brings their own); remove it, or use per_user_with_fallback to pin a fallback connection",
      };
    case "CONNECTION_NOT_FOUND": {
      const ids = connectionsList(v.integrationName, conns, ws);
      const close = closestNames(v.connectionId, ids);
      return {
        ...base,
        message: `no connection "${v.connectionId}"; ${describeConnections(v.integrationName, conns, ws)}`,
        suggestions: close.length > 0 ? close : ids.slice(0, 8),
      };
    }
    case "CONNECTION_OTHER_WORKSPACE":
      return {
        ...base,
        message: `connection "${v.connectionId}" belongs to another workspace and cannot be pinned here; ${describeConnections(v.integrationName, conns, ws)}`,
        suggestions: connectionsList(v.integrationName, conns, ws).slice(0, 8),
      };
    case "CONNECTION_WRONG_INTEGRATION":
      return {
        ...base,
        message: `connection "${v.connectionId}" is a ${v.connectionIntegration} connection, not ${v.integrationName}; ${describeConnections(v.integrationName, conns, ws)}`,
        suggestions: connectionsList(v.integrationName, conns, ws).slice(0, 8),
      };
    case "CONNECTION_REQUIRED":
      return {
        ...base,
        message: `connectionStrategy ${v.strategy} on ${v.integrationName} needs a connectionId (${describeConnections(v.integrationName, conns, ws)}), or use per_user`,
        suggestions: connectionsList(v.integrationName, conns, ws).slice(0, 8),
      };
    case "UNKNOWN_ACTIONS": {
      const close = [...new Set(v.unknown.flatMap((u) => closestNames(u, v.valid, 2)))];
      return {
        ...base,
        message: `unknown action(s) for ${v.integrationName}: ${v.unknown.join(", ")}${close.length > 0 ? `; closest: ${close.join(", ")}` : ""}`,
        suggestions: close.length > 0 ? close : v.valid.slice(0, 20),
      };
    }
    case "SETTINGS_BLOCK":
      return {
        ...base,
        message: `settings.${v.block} does not apply to ${v.integrationName}${v.takers.length > 0 ? ` (it applies to ${v.takers.slice(0, 5).join(", ")})` : ""}; ${v.blocks.length > 0 ? `${v.integrationName} takes: ${v.blocks.join(", ")}` : `${v.integrationName} takes no settings`}`,
        suggestions: v.blocks,
      };
    case "BEARER_BLOCKS_PER_USER":
      return {
        ...base,
        message: `per_user is blocked: the workspace has MCP server(s) with a static bearer token (${v.servers.map((s) => `"${s.name}" (${s.id})`).join(", ")}), which cannot carry per-user credentials; switch those servers to oauth first, or use per_user_with_fallback with a fallback connectionId`,
      };
  }
}
