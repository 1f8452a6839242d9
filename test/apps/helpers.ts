import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { RESOURCE_MIME_TYPE } from "@modelcontextprotocol/ext-apps/server";
import { createWeavzClient } from "../../src/api/client.js";
import { silentLogger } from "../../src/log.js";
import { createServerFactory, type ServerDeps } from "../../src/mcp/server.js";
import { startTestLocalApi, type TestLocalApi } from "../helpers/local-api.js";
import { serveOverHttp } from "../helpers/mcp.js";

/** The capability a host that renders MCP Apps declares. */
export const UI_CAPS = {
  extensions: { "io.modelcontextprotocol/ui": { mimeTypes: [RESOURCE_MIME_TYPE] } },
};

export type Era = "2025-11-25" | "2026-07-28";

/**
 * Our real server over our real Streamable HTTP transport (port 0) on the real local API,
 * with SDK v2 clients that do or do not declare the UI extension. Nothing is mocked.
 */
export async function startAppsServer(opts: Partial<Omit<ServerDeps, "api" | "log">> = {}) {
  const local: TestLocalApi = await startTestLocalApi({ demo: true });
  const api = createWeavzClient({ baseUrl: local.url, apiKey: local.apiKey, log: silentLogger });
  const factory = createServerFactory({
    api,
    log: silentLogger,
    toolsets: ["integrations", "catalog", "connections", "mcp-servers", "plan", "history"],
    ...opts,
  });
  const http = await serveOverHttp(factory);
  const clients: Client[] = [];
  /** A connected v2 client; `ui` declares the Apps extension. */
  const connect = async (ui: boolean, era: Era = "2025-11-25") => {
    const client = new Client(
      { name: ui ? "apps-host" : "text-host", version: "1" },
      {
        capabilities: ui ? UI_CAPS : {},
        versionNegotiation: { mode: era === "2025-11-25" ? "legacy" : { pin: era } },
      },
    );
    await client.connect(new StreamableHTTPClientTransport(new URL(http.url)));
    clients.push(client);
    return client;
  };
  return {
    local,
    api,
    url: http.url,
    connect,
    close: async () => {
      for (const c of clients) await c.close().catch(() => {});
      await http.close();
      await api.close();
      await local.close();
    },
  };
}
