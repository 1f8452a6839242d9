import type { WorkspaceIntegrationListItem } from "../../domain/integration.js";

/** What audit_workspace looks at, gathered from the API (see gatherAuditFacts). */
export interface AuditFacts {
  workspaceId: string;
  integrations: readonly WorkspaceIntegrationListItem[];
  /** End users of the workspace; undefined when the API could not say. */
  endUserCount: number | undefined;
  /** Action names per catalog integration; null = the catalog no longer has the integration. */
  catalogActions: Readonly<Record<string, readonly string[] | null>>;
  /** The workspace's MCP servers that hand out one static bearer token. */
  bearerServers: ReadonlyArray<{ id: string; name: string }>;
}

/** One problem found, with the facts that show it (stored names are data, not words for us). */
export type AuditFinding =
  | {
      kind: "pinned_connection_not_active";
      alias: string;
      id: string;
      connectionId: string;
      connectionStatus: string | null;
    }
  | { kind: "per_user_without_end_users"; aliases: string[] }
  | { kind: "duplicate_without_meaningful_aliases"; integrationName: string; aliases: string[] }
  | { kind: "integration_not_in_catalog"; alias: string; integrationName: string }
  | { kind: "unknown_enabled_actions"; alias: string; integrationName: string; actions: string[] }
  | {
      kind: "static_bearer_conflict";
      servers: Array<{ id: string; name: string }>;
      perUserAliases: string[];
    };

/**
 * An alias that says nothing beyond the integration's name ("slack", "slack_2", "slack-copy"):
 * with two of the same integration, nobody can tell which is the bot and which the user's.
 */
export function isGenericAlias(alias: string, integrationName: string): boolean {
  const a = alias.toLowerCase().replace(/[-_\s]+/g, "");
  const n = integrationName.toLowerCase().replace(/[-_\s]+/g, "");
  if (!a.startsWith(n)) return false;
  const rest = a.slice(n.length);
  return rest === "" || /^(\d+|copy\d*|new\d*|old\d*|test\d*|tmp\d*)$/.test(rest);
}

/** The audit's findings for a workspace's facts, in a fixed order. Pure: the tests drive it. */
export function auditWorkspace(facts: AuditFacts): AuditFinding[] {
  const out: AuditFinding[] = [];
  const items = [...facts.integrations].sort((a, b) => a.alias.localeCompare(b.alias));

  for (const i of items) {
    if (i.connectionStrategy === "per_user" || !i.connectionId) continue;
    const status = i.connectionStatus ?? null;
    if (status !== "ACTIVE") {
      out.push({
        kind: "pinned_connection_not_active",
        alias: i.alias,
        id: i.id,
        connectionId: i.connectionId,
        connectionStatus: status,
      });
    }
  }

  const perUser = items.filter((i) => i.connectionStrategy === "per_user").map((i) => i.alias);
  if (perUser.length > 0 && facts.endUserCount === 0) {
    out.push({ kind: "per_user_without_end_users", aliases: perUser });
  }

  const byName = new Map<string, WorkspaceIntegrationListItem[]>();
  for (const i of items)
    byName.set(i.integrationName, [...(byName.get(i.integrationName) ?? []), i]);
  for (const [integrationName, group] of [...byName].sort((a, b) => a[0].localeCompare(b[0]))) {
    if (group.length < 2) continue;
    const generic = group.filter((i) => isGenericAlias(i.alias, integrationName));
    // One plain "slack" beside "slack_alerts" is fine; two that say nothing are not.
    if (generic.length >= 2 || (generic.length >= 1 && group.length - generic.length === 0)) {
      out.push({
        kind: "duplicate_without_meaningful_aliases",
        integrationName,
        aliases: group.map((i) => i.alias),
      });
    }
  }

  for (const i of items) {
    const known = facts.catalogActions[i.integrationName];
    if (known === null) {
      out.push({
        kind: "integration_not_in_catalog",
        alias: i.alias,
        integrationName: i.integrationName,
      });
      continue;
    }
    if (!known || !i.enabledActions) continue;
    const missing = i.enabledActions.filter((a) => !known.includes(a));
    if (missing.length > 0) {
      out.push({
        kind: "unknown_enabled_actions",
        alias: i.alias,
        integrationName: i.integrationName,
        actions: missing,
      });
    }
  }

  if (facts.bearerServers.length > 0 && perUser.length > 0) {
    out.push({
      kind: "static_bearer_conflict",
      servers: [...facts.bearerServers],
      perUserAliases: perUser,
    });
  }
  return out;
}
