import { type JsonSchema, toJsonSchema } from "./schema.js";
import type { ToolDef } from "./tool.js";
import createWorkspaceIntegration from "./tools/create-workspace-integration.js";
import deleteWorkspaceIntegration from "./tools/delete-workspace-integration.js";
import getCatalogIntegration from "./tools/get-catalog-integration.js";
import getMcpServer from "./tools/get-mcp-server.js";
import listConnections from "./tools/list-connections.js";
import listMcpServers from "./tools/list-mcp-servers.js";
import listWorkspaceIntegrations from "./tools/list-workspace-integrations.js";
import listWorkspaces from "./tools/list-workspaces.js";
import searchCatalog from "./tools/search-catalog.js";
import updateWorkspaceIntegration from "./tools/update-workspace-integration.js";

/** Every tool, in the order tools/list shows them. The registry is just this list. */
export const TOOLS: readonly ToolDef[] = [
  listWorkspaceIntegrations,
  createWorkspaceIntegration,
  updateWorkspaceIntegration,
  deleteWorkspaceIntegration,
  listWorkspaces,
  listConnections,
  searchCatalog,
  getCatalogIntegration,
  listMcpServers,
  getMcpServer,
] as unknown as readonly ToolDef[];

/** A tool with its JSON schemas computed once. */
export interface RegisteredTool {
  def: ToolDef;
  inputJson: JsonSchema;
  outputJson: JsonSchema;
}

/** The tools to expose, schemas converted once (tools/list is then a cached array). */
export function buildToolSet(opts: { readOnly: boolean }): RegisteredTool[] {
  return TOOLS.filter((t) => !opts.readOnly || t.annotations.readOnlyHint).map((def) => ({
    def,
    inputJson: toJsonSchema(def.input, "input"),
    outputJson: toJsonSchema(def.output, "output"),
  }));
}
