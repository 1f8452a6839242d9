// Baseline for bench/mcp.mjs section 2: a bare MCP SDK v2 stdio server doing the same API call
// as weavz-mcp's list_workspace_integrations (GET the workspace's integrations from the
// upstream local API with undici, return them as text and structuredContent). One McpServer
// per connection through the SDK's serveStdio, one tool with a zod schema, nothing else: the
// price of the SDK itself, which weavz-mcp's per-call latency is held to within 1.10× of.
// Not bundled: it imports the SDK, zod and undici from node_modules as a plain server would.
import { McpServer } from "@modelcontextprotocol/server";
import { serveStdio } from "@modelcontextprotocol/server/stdio";
import { request } from "undici";
import { z } from "zod";

const base = process.env.WEAVZ_BASE_URL;
const key = process.env.WEAVZ_API_KEY;
if (!base || !key) throw new Error("set WEAVZ_BASE_URL and WEAVZ_API_KEY");
const headers = { authorization: `Bearer ${key}` };

const newServer = () => {
  const server = new McpServer({ name: "bare-v2-stdio", version: "0.0.0" });
  server.registerTool(
    "list_workspace_integrations",
    {
      description: "Lists the integrations of a workspace.",
      inputSchema: z.object({ workspaceId: z.string().describe("Workspace id.") }),
    },
    async ({ workspaceId }, ctx) => {
      const url = `${base}/api/v1/workspaces/${encodeURIComponent(workspaceId)}/integrations`;
      const r = await request(url, { headers, signal: ctx.mcpReq.signal });
      const text = await r.body.text();
      if (r.statusCode !== 200) return { isError: true, content: [{ type: "text", text }] };
      const { integrations, total } = JSON.parse(text);
      const data = { workspaceId, integrations, total };
      return { content: [{ type: "text", text: JSON.stringify(data) }], structuredContent: data };
    },
  );
  return server;
};
serveStdio(() => newServer(), { legacy: "serve" });
