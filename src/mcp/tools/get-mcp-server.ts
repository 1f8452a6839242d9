import { z } from "zod";
import { IdSchema } from "../../domain/common.js";
import { MCP_TOOL_TYPES, McpServerSchema } from "../../domain/mcp-server.js";
import { safeToken } from "../fence.js";
import { moreHint, NextOffsetOut, nameList, pageArgs, takePage } from "../paging.js";
import { defineTool, READ_ONLY } from "../tool.js";
import { mcpToolsUri } from "../uris.js";
import { accessOf } from "./mcp-server-access.js";

const DEFAULT_LIMIT = 100;

/**
 * A tool as the model needs it: its name and where it comes from. The API's ids and sort
 * keys are left out so a page holds about 50 tools; the mcp-tools resource has them all.
 */
const ToolOut = z.object({
  name: z.string(),
  toolType: z.enum(MCP_TOOL_TYPES),
  integrationName: z.string().nullable(),
  integrationAlias: z.string().nullable(),
  actionName: z.string().nullable(),
});

export default defineTool({
  name: "get_mcp_server",
  title: "Show an MCP server and its tools",
  toolset: "mcp-servers",
  description:
    "One Weavz MCP server and its tools now, a page at a time: TOOLS mode, one per enabled action named {alias}__{action}; CODE mode, weavz_search/read_api/execute.",
  input: z.strictObject({
    id: IdSchema.describe("MCP server id (list_mcp_servers)."),
    alias: z.string().min(1).max(64).optional().describe("Only tools of this integration alias."),
    ...pageArgs(DEFAULT_LIMIT, 500),
  }),
  output: z.object({
    server: McpServerSchema,
    tools: z.array(ToolOut),
    toolCount: z.number(),
    nextOffset: NextOffsetOut,
  }),
  annotations: READ_ONLY,
  hints: {
    NOT_FOUND:
      "check the id: call list_mcp_servers to see the workspace's MCP servers and their ids.",
  },
  async handler(args, ctx) {
    const res = await ctx.api.getMcpServer(args.id, { signal: ctx.signal });
    const all = (
      args.alias ? res.tools.filter((t) => t.integrationAlias === args.alias) : res.tools
    ).map((t) => ({
      name: t.name,
      toolType: t.toolType,
      integrationName: t.integrationName,
      integrationAlias: t.integrationAlias,
      actionName: t.actionName,
    }));
    const offset = args.offset ?? 0;
    const page = takePage(all, offset, args.limit ?? DEFAULT_LIMIT);
    const names = page.items.map((t) => safeToken(t.name));
    return {
      data: {
        server: res.server,
        tools: page.items,
        toolCount: all.length,
        ...(page.nextOffset !== undefined ? { nextOffset: page.nextOffset } : {}),
      },
      summary: `MCP server ${safeToken(res.server.id)} (${res.server.mode}) exposes ${all.length} tool(s)${args.alias ? ` for alias ${safeToken(args.alias)}` : ""}${names.length ? `; ${offset + 1}-${offset + names.length}: ${nameList(names)}` : ""}.${moreHint("get_mcp_server", page.nextOffset, args)}\nReach it: ${accessOf(res.server)}.`,
      links: [{ uri: mcpToolsUri(res.server.workspaceId), name: "MCP server tools" }],
    };
  },
});
