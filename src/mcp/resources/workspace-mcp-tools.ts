import { WeavzApiError } from "../../api/errors.js";
import { JSON_MIME, type ResourceDef } from "./resource.js";

/** weavz://workspaces/{workspaceId}/mcp-tools: each MCP server with the tools it exposes now. */
const workspaceMcpTools: ResourceDef = {
  uri: "weavz://workspaces/{workspaceId}/mcp-tools",
  name: "workspace-mcp-tools",
  title: "MCP server tools of a workspace",
  description:
    "Every MCP server of the workspace with the tools it exposes right now, auto-synced from the workspace's integrations.",
  mimeType: JSON_MIME,
  toolset: "mcp-servers",
  listed: (w) => ({ name: `${w.slug}-mcp-tools`, title: `${w.name}: MCP server tools` }),
  async read({ api, workspaceId = "", signal }) {
    const opts = { signal };
    const { servers } = await api.listMcpServers({ workspaceId, limit: 100 }, opts);
    // A server deleted between the list and its read is simply gone, not an error.
    const detailed = (
      await Promise.all(
        servers.map((s) =>
          api.getMcpServer(s.id, opts).catch((err: unknown) => {
            if (err instanceof WeavzApiError && err.status === 404) return undefined;
            throw err;
          }),
        ),
      )
    ).filter((d) => d !== undefined);
    return {
      workspaceId,
      servers: detailed.map((d) => ({ server: d.server, tools: d.tools })),
      toolCount: detailed.reduce((n, d) => n + d.tools.length, 0),
    };
  },
};
export default workspaceMcpTools;
