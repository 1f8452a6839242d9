import { InMemoryServerEventBus } from "@modelcontextprotocol/server";
import { createDashboard } from "../dashboard/app.js";
import { serveDashboard } from "../dashboard/node.js";
import type { Logger } from "../log.js";
import { RESOURCES } from "../mcp/inventory.js";
import { ResourceHub } from "../mcp/resources/hub.js";
import { openBackend } from "./backend.js";
import { type Config, hubPolling } from "./config.js";
import { backendLabel, historyKind } from "./dashboard-wire.js";

/**
 * `weavz-mcp dashboard [--port N]`: the dashboard alone, on loopback, for people whose MCP
 * client runs the server over stdio. It opens the same backend the stdio server uses (the same
 * local database, or the hosted API with the same key), so it shows, live, what that server's
 * tools change. Prints the one-time login link on stdout.
 */
export async function runDashboard(config: Config, log: Logger): Promise<void> {
  const backend = await openBackend(config, log);
  // Every resource of the inventory: the pages watch a workspace's integrations, MCP tools
  // and history whatever toolsets the stdio server beside it was given.
  const hub = new ResourceHub(
    backend.api,
    log,
    new InMemoryServerEventBus(),
    hubPolling(config),
    RESOURCES,
  );
  const dashboard = createDashboard({
    api: backend.api,
    hub,
    access: { kind: "link" },
    log,
    backendLabel: () => backendLabel(backend, config),
    historyKind: () => historyKind(backend),
  });
  dashboard.warm();
  let served: Awaited<ReturnType<typeof serveDashboard>>;
  try {
    // Loopback only: the login link is the only key, and it must not travel a network.
    served = await serveDashboard(dashboard, "127.0.0.1", config.http.port);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    log.error(
      code === "EADDRINUSE"
        ? `cannot listen on 127.0.0.1:${config.http.port}: the port is in use; pass --port with a free one (0 picks one)`
        : `cannot listen on 127.0.0.1:${config.http.port}: ${(err as Error).message}`,
    );
    await backend.close().catch(() => {});
    process.exit(1);
  }
  process.stdout.write(
    `weavz-mcp dashboard (${backend.kind === "embedded" ? `embedded local Weavz API, database ${config.local.db}` : `Weavz API ${config.api.baseUrl}`}) listening on ${served.url}\n` +
      `Open the dashboard (one-time login link): ${dashboard.loginUrl(served.url)}\n`,
  );
  const stop = async () => {
    hub.close();
    await served.close().catch(() => {});
    await backend.close().catch(() => {});
    process.exit(0);
  };
  process.once("SIGINT", () => void stop());
  process.once("SIGTERM", () => void stop());
  await new Promise<never>(() => {});
}
