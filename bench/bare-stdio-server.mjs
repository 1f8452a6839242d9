// Baseline for bench/mcp.mjs: the smallest reasonable SDK stdio server. One McpServer, one
// tool declared with a zod raw shape, StdioServerTransport. Not bundled: it imports the SDK
// and zod from node_modules the way a plain SDK server would.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

const server = new McpServer({ name: "bare-stdio", version: "0.0.0" });
server.registerTool(
  "echo",
  {
    description: "Echoes its message.",
    inputSchema: { message: z.string().describe("Text to echo.") },
  },
  async ({ message }) => ({ content: [{ type: "text", text: message }] }),
);
await server.connect(new StdioServerTransport());
