// Baseline for bench/mcp.mjs: a bare SDK Streamable HTTP server, stateful, SSE responses (the
// SDK default, as in weavz-mcp). node:http → StreamableHTTPServerTransport, one McpServer per
// session (the bench opens one session), one tool `list_workspace_integrations {workspaceId}`
// that GETs /api/v1/workspaces/{id}/integrations from the upstream with an undici Pool, parses
// it, and returns it as text (JSON) plus structuredContent: a payload of similar size to
// weavz-mcp's. No output schema, no Host/Origin checks, no retries, no timeouts.
// Env: WEAVZ_BASE_URL (upstream origin), WEAVZ_API_KEY. Prints "listening on URL" on stdout.
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import { Pool } from "undici";
import { z } from "zod";

const base = new URL(process.env.WEAVZ_BASE_URL ?? "http://127.0.0.1:8787");
const key = process.env.WEAVZ_API_KEY ?? "";
const upstream = new Pool(base.origin, { connections: 16 });

function newServer() {
  const server = new McpServer({ name: "bare-http", version: "0.0.0" });
  server.registerTool(
    "list_workspace_integrations",
    {
      description: "List a workspace's integrations.",
      inputSchema: { workspaceId: z.string() },
    },
    async ({ workspaceId }) => {
      const r = await upstream.request({
        method: "GET",
        path: `/api/v1/workspaces/${encodeURIComponent(workspaceId)}/integrations`,
        headers: { authorization: `Bearer ${key}` },
      });
      const data = await r.body.json();
      return {
        content: [{ type: "text", text: JSON.stringify(data) }],
        structuredContent: data,
      };
    },
  );
  return server;
}

const sessions = new Map();

async function handle(req, res) {
  let body;
  if (req.method === "POST") {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  }
  const id = req.headers["mcp-session-id"];
  if (id !== undefined) {
    const t = sessions.get(id);
    if (!t) {
      res.writeHead(404).end();
      return;
    }
    await t.handleRequest(req, res, body);
    return;
  }
  if (req.method !== "POST" || !isInitializeRequest(body)) {
    res.writeHead(400).end();
    return;
  }
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: () => randomUUID(),
    onsessioninitialized: (sid) => sessions.set(sid, transport),
  });
  transport.onclose = () => {
    if (transport.sessionId) sessions.delete(transport.sessionId);
  };
  await newServer().connect(transport);
  await transport.handleRequest(req, res, body);
}

const http = createServer((req, res) => {
  handle(req, res).catch((err) => {
    process.stderr.write(`bare-http: ${err?.message ?? err}\n`);
    if (!res.headersSent) res.writeHead(500);
    res.end();
  });
});
http.keepAliveTimeout = 65_000;
http.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  process.stdout.write(`bare-http listening on http://127.0.0.1:${http.address().port}/mcp\n`);
});
const stop = () => {
  http.closeAllConnections();
  http.close(() => process.exit(0));
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
