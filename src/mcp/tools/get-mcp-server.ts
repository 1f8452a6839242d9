import { z } from "zod";
import { IdSchema } from "../../domain/common.js";
import { McpServerSchema, McpServerToolSchema } from "../../domain/mcp-server.js";
import { defineTool, READ_ONLY } from "../tool.js";
import { mcpToolsUri } from "../uris.js";

export default defineTool({
  name: "get_mcp_server",
  title: "Show an MCP server and its tools",
  toolset: "mcp-servers",
  description:
    "One Weavz MCP server and its tools now: TOOLS mode, one per enabled action named {alias}__{action}; CODE mode, weavz_search/read_api/execute.",
  input: z.strictObject({ id: IdSchema.describe("MCP server id (list_mcp_servers).") }),
  output: z.object({ server: McpServerSchema, tools: z.array(McpServerToolSchema) }),
  annotations: READ_ONLY,
  async handler(args, ctx) {
    const res = await ctx.api.getMcpServer(args.id, { signal: ctx.signal });
    const names = res.tools.map((t) => t.name);
    const shown = names.length > 30 ? `${names.slice(0, 30).join(", ")}, …` : names.join(", ");
    return {
      data: { server: res.server, tools: res.tools },
      summary: `${res.server.name} (${res.server.mode}) exposes ${names.length} tool(s)${names.length ? `: ${shown}` : ""}.`,
      links: [{ uri: mcpToolsUri(res.server.workspaceId), name: "MCP server tools" }],
    };
  },
});
