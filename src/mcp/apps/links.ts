import {
  getUiCapability,
  RESOURCE_MIME_TYPE,
  RESOURCE_URI_META_KEY,
} from "@modelcontextprotocol/ext-apps/server";
import type { ClientCapabilities, Tool } from "@modelcontextprotocol/server";

/** The plan review App: diffs of plans and confirmable previews, with Approve and Cancel. */
export const PLAN_APP_URI = "ui://weavz/plan";
/** The workspace overview App: integrations, connection status, MCP servers and their tools. */
export const WORKSPACE_APP_URI = "ui://weavz/workspace";

/**
 * Which tool renders in which App. Tools this server does not expose (toolsets, read-only
 * mode) are simply not linked; `undo_change` is linked whenever a build registers it.
 */
export const APP_LINKS: Readonly<Record<string, string>> = {
  plan_workspace: PLAN_APP_URI,
  apply_workspace_plan: PLAN_APP_URI,
  delete_workspace_integration: PLAN_APP_URI,
  undo_change: PLAN_APP_URI,
  list_workspace_integrations: WORKSPACE_APP_URI,
  get_mcp_server: WORKSPACE_APP_URI,
};

/**
 * Whether the client renders MCP Apps: it declared the `io.modelcontextprotocol/ui` extension
 * with our mime type (at initialize in 2025-11-25, per request in 2026-07-28). Only then do
 * tools carry links; every other client sees exactly the tools and results it always did.
 */
export function rendersApps(caps: ClientCapabilities | undefined): boolean {
  const ui = getUiCapability(caps);
  return Array.isArray(ui?.mimeTypes) && ui.mimeTypes.includes(RESOURCE_MIME_TYPE);
}

/**
 * The `_meta` of a tool linked to an App, shaped as the ext-apps server helper
 * (registerAppTool) writes it: the nested `ui.resourceUri` and the older flat key, which
 * hosts released before the nested form still read. We cannot call the helper itself: it
 * registers through McpServer.registerTool, and this server answers tools/list from its own
 * registry on the low-level Server (tools as data; see registry.ts).
 */
export function uiToolMeta(
  resourceUri: string,
  visibility?: readonly ("model" | "app")[],
): Record<string, unknown> {
  return {
    ui: visibility ? { resourceUri, visibility: [...visibility] } : { resourceUri },
    [RESOURCE_URI_META_KEY]: resourceUri,
  };
}

/** The tools/list entries with their App links added (others unchanged). */
export function linkTools(tools: readonly Tool[]): Tool[] {
  return tools.map((t) => {
    const uri = APP_LINKS[t.name];
    return uri ? { ...t, _meta: { ...t._meta, ...uiToolMeta(uri) } } : t;
  });
}
