import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener } from "@hono/node-server";
import { rebindingGuard, sendJson } from "../host/http-io.js";
import type { Dashboard } from "./app.js";

/** Serves a request if its path is the dashboard's; resolves false to let another handler have it. */
export type NodeHook = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/** The dashboard's paths: everything but /mcp and the OAuth metadata (/.well-known/…). */
export function isDashboardPath(path: string): boolean {
  return (
    path === "/" ||
    path === "/login" ||
    path === "/logout" ||
    path === "/events" ||
    path.startsWith("/assets/") ||
    path === "/workspaces" ||
    path.startsWith("/workspaces/")
  );
}

/** The dashboard as a Node request hook for the MCP server's HTTP front door. */
export function dashboardHook(dashboard: Dashboard): NodeHook {
  const listener = getRequestListener(dashboard.app.fetch);
  return async (req, res) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (!isDashboardPath(path)) return false;
    await listener(req, res);
    return true;
  };
}

/** A dashboard listening on its own port (`weavz-mcp dashboard`). */
export interface StandaloneDashboard {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Serves the dashboard alone on HOST:PORT, with the same DNS-rebinding check as the MCP
 * endpoint (only loopback or the bound host in Host, only loopback origins).
 */
export async function serveDashboard(
  dashboard: Dashboard,
  host: string,
  port: number,
): Promise<StandaloneDashboard> {
  const hook = dashboardHook(dashboard);
  const guard = rebindingGuard(host, []);
  const server = createServer((req, res) => {
    if (!guard.hostAllowed(req)) {
      sendJson(res, 403, { error: "Forbidden: Host header not allowed", code: "FORBIDDEN" });
      return;
    }
    void hook(req, res).then((served) => {
      if (!served) sendJson(res, 404, { error: "Not found", code: "NOT_FOUND" });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${bound}`,
    port: bound,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
