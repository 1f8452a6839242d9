import { z } from "zod";
import { McpServerSchema } from "../../domain/mcp-server.js";
import { PageArgs, resolveWorkspaceId, WorkspaceIdArg } from "../args.js";
import { defineTool, READ_ONLY } from "../tool.js";
import { mcpToolsUri } from "../uris.js";

export default defineTool({
  name: "list_mcp_servers",
  title: "List a workspace's MCP servers",
  toolset: "mcp-servers",
  description:
    "List a workspace's Weavz MCP servers (mode, auth, static bearer). Their tools follow its integrations; get_mcp_server shows them.",
  input: z.strictObject({ workspaceId: WorkspaceIdArg, ...PageArgs }),
  output: z.object({ servers: z.array(McpServerSchema), total: z.number() }),
  annotations: READ_ONLY,
  async handler(args, ctx) {
    const workspaceId = resolveWorkspaceId(args.workspaceId, ctx.defaultWorkspaceId);
    const res = await ctx.api.listMcpServers(
      { workspaceId, limit: args.limit, offset: args.offset },
      { signal: ctx.signal },
    );
    return {
      data: { servers: res.servers, total: res.total },
      summary: `${res.total} MCP server(s) in workspace ${workspaceId}${res.servers.length ? `: ${res.servers.map((s) => `${s.name} (${s.id}, ${s.mode})`).join(", ")}` : ""}.`,
      links: [{ uri: mcpToolsUri(workspaceId), name: "MCP server tools" }],
    };
  },
});
