import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { createWeavzClient } from "../../src/api/client.js";
import { silentLogger } from "../../src/log.js";
import { createServerFactory, type ServerDeps } from "../../src/mcp/server.js";
import { startTestLocalApi } from "./local-api.js";

export const DEMO_WS = "a1b2c3d4-e5f6-7890-abcd-ef1234567890";
export const SLACK_BOT_CONN = "c1d2e3f4-5678-90ab-cdef-1234567890ab";

/**
 * One setup for MCP tests: the real local API on port 0 with a temporary database, the real
 * HTTP client, our real MCP server, and the SDK Client connected in memory.
 */
export async function setup(
  opts: Partial<Omit<ServerDeps, "api" | "log">> & { demo?: boolean } = {},
) {
  const local = await startTestLocalApi({ demo: opts.demo ?? true });
  const api = createWeavzClient({ baseUrl: local.url, apiKey: local.apiKey, log: silentLogger });
  const factory = createServerFactory({ api, log: silentLogger, ...opts });
  const server = factory.newServer();
  const client = new Client({ name: "weavz-mcp-tests", version: "1.0.0" });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
  const call = async (name: string, args: Record<string, unknown> = {}) =>
    (await client.callTool({ name, arguments: args })) as CallToolResult & {
      structuredContent?: Record<string, any>;
    };
  return {
    client,
    server,
    hub: factory.hub,
    api,
    local,
    call,
    /** Text of the first content block. */
    text: (r: CallToolResult) => (r.content[0] as { text: string }).text,
    close: async () => {
      await client.close();
      await server.close();
      await api.close();
      await local.close();
    },
  };
}
