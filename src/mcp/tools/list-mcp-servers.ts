import { z } from "zod";
import { McpServerSchema } from "../../domain/mcp-server.js";
import { PageArgs, resolveWorkspaceId, WorkspaceIdArg } from "../args.js";
import { safeToken } from "../fence.js";
import { fitApiPage, moreHint, NextOffsetOut, nameList } from "../paging.js";
import { defineTool, READ_ONLY, WORKSPACE_HINTS } from "../tool.js";
import { mcpToolsUri } from "../uris.js";
import { accessOf } from "./mcp-server-access.js";

export default defineTool({
  name: "list_mcp_servers",
  title: "List a workspace's MCP servers",
  toolset: "mcp-servers",
  description:
    "List a workspace's Weavz MCP servers (mode, auth, static bearer). Their tools follow its integrations; get_mcp_server shows them.",
  input: z.strictObject({ workspaceId: WorkspaceIdArg, ...PageArgs }),
  output: z.object({
    servers: z.array(McpServerSchema),
    total: z.number(),
    nextOffset: NextOffsetOut,
  }),
  annotations: READ_ONLY,
  hints: WORKSPACE_HINTS,
  async handler(args, ctx) {
    const workspaceId = resolveWorkspaceId(args.workspaceId, ctx.defaultWorkspaceId);
    const res = await ctx.api.listMcpServers(
      { workspaceId, limit: args.limit, offset: args.offset },
      { signal: ctx.signal },
    );
    const page = fitApiPage(res.servers, args.offset ?? 0, res.total);
    const shown = nameList(page.items.map((s) => `${safeToken(s.id)} (${s.mode})`));
    const access = page.items.map((s) => `\n- ${safeToken(s.id)}: ${accessOf(s)}.`).join("");
    return {
      data: {
        servers: page.items,
        total: res.total,
        ...(page.nextOffset !== undefined ? { nextOffset: page.nextOffset } : {}),
      },
      summary: `${res.total} MCP server(s) in workspace ${workspaceId}${shown ? `: ${shown}` : ""}.${moreHint("list_mcp_servers", page.nextOffset, args)}${access}`,
      links: [{ uri: mcpToolsUri(workspaceId), name: "MCP server tools" }],
    };
  },
});
