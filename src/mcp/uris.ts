/** Resource URIs (stable contract, see the README). */
export const WORKSPACES_URI = "weavz://workspaces";
export const integrationsUri = (workspaceId: string) =>
  `weavz://workspaces/${encodeURIComponent(workspaceId)}/integrations`;
export const mcpToolsUri = (workspaceId: string) =>
  `weavz://workspaces/${encodeURIComponent(workspaceId)}/mcp-tools`;
export const historyUri = (workspaceId: string) =>
  `weavz://workspaces/${encodeURIComponent(workspaceId)}/history`;
