import { createHash } from "node:crypto";
import { CODE_MODE_TOOL_NAMES, type McpServerMode, mcpToolName } from "../domain/index.js";

/** The integration fields the derivation reads. */
export interface ToolSourceIntegration {
  id: string;
  integrationName: string;
  alias: string;
  enabledActions: string[] | null;
  sortOrder: number;
  createdAt: string;
}

/** An MCP tool exactly as `GET /mcp/servers/{id}` returns it (key order included). */
export interface DerivedMcpTool {
  id: string;
  mcpServerId: string;
  name: string;
  integrationName: string | null;
  integrationAlias: string | null;
  actionName: string | null;
  toolType: "ACTION" | "CODE";
  sourceWorkspaceIntegrationId: string | null;
  sortOrder: number;
}

/** A stable UUID-formatted id (version 5 layout) from a SHA-1 of the parts. */
export function stableToolId(...parts: string[]): string {
  const h = createHash("sha1").update(parts.join("\u0000"), "utf8").digest();
  h[6] = ((h[6] as number) & 0x0f) | 0x50;
  h[8] = ((h[8] as number) & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The tools of an MCP server, derived from its workspace's integrations on every read, so
 * they cannot go stale (auto-sync). TOOLS mode: one `{alias}__{action}` tool per enabled
 * action (all catalog actions, in catalog order, when enabledActions is null), integrations
 * ordered by (sortOrder, createdAt), input order breaking ties. CODE mode: the three meta
 * tools. Ids are deterministic, so a tool keeps its id across reads.
 */
export function deriveMcpTools(
  server: { id: string; mode: McpServerMode },
  integrations: readonly ToolSourceIntegration[],
  catalogActions: (integrationName: string) => readonly string[] | undefined,
): DerivedMcpTool[] {
  if (server.mode === "CODE") {
    return CODE_MODE_TOOL_NAMES.map((name, sortOrder) => ({
      id: stableToolId(server.id, "code", name),
      mcpServerId: server.id,
      name,
      integrationName: null,
      integrationAlias: null,
      actionName: null,
      toolType: "CODE",
      sourceWorkspaceIntegrationId: null,
      sortOrder,
    }));
  }
  const ordered = integrations
    .map((integration, index) => ({ integration, index }))
    .sort(
      (a, b) =>
        a.integration.sortOrder - b.integration.sortOrder ||
        (a.integration.createdAt < b.integration.createdAt
          ? -1
          : a.integration.createdAt > b.integration.createdAt
            ? 1
            : 0) ||
        a.index - b.index,
    );
  const tools: DerivedMcpTool[] = [];
  for (const { integration: wi } of ordered) {
    const actions = wi.enabledActions ?? catalogActions(wi.integrationName) ?? [];
    for (const actionName of actions) {
      tools.push({
        id: stableToolId(server.id, wi.id, actionName),
        mcpServerId: server.id,
        name: mcpToolName(wi.alias, actionName),
        integrationName: wi.integrationName,
        integrationAlias: wi.alias,
        actionName,
        toolType: "ACTION",
        sourceWorkspaceIntegrationId: wi.id,
        sortOrder: tools.length,
      });
    }
  }
  return tools;
}
