import type { IncomingMessage, ServerResponse } from "node:http";
import type { Server } from "@modelcontextprotocol/server";
import type { HostLimits } from "../host/dual-era.js";
import {
  type Authenticate,
  type HttpHandle,
  type HttpTimeouts,
  serveHttp as hostServeHttp,
} from "../host/http.js";
import type { Logger } from "../log.js";
import type { ResourceHub } from "../mcp/resources/hub.js";
import type { NewServerOptions } from "../mcp/server.js";

export type { Authenticate, HttpHandle } from "../host/http.js";

/** Options of weavz-mcp's Streamable HTTP endpoint (the host's, in this server's terms). */
export interface HttpOptions {
  host: string;
  port: number;
  newServer: (opts?: NewServerOptions) => Server;
  /** Change hub: its bus feeds 2026 listen streams; listens keep its feed running. */
  hub: ResourceHub;
  log: Logger;
  /**
   * Serves requests for paths other than /mcp before authentication (the dashboard, which has
   * its own login); resolves false to decline a path.
   */
  serveOther?: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
  /** Authentication hook (default: everyone who passes the Host/Origin checks). */
  authenticate?: Authenticate;
  /** Origins accepted besides loopback ones. */
  allowedOrigins?: readonly string[];
  /** Sessions unused this long are closed (default 30 min). */
  idleTimeoutMs?: number;
  /** Most 2025 sessions at once (default 1000); also bounds 2026 listen streams. */
  maxSessions?: number;
  /** At the session cap, a session unused this long may be evicted (default 60 s). */
  evictableAfterMs?: number;
  /** Most open connections (default 2 × maxSessions + 100). */
  maxConnections?: number;
  /** Largest accepted request body (default 1 MiB). */
  maxBodyBytes?: number;
  timeouts?: Partial<HttpTimeouts & Pick<HostLimits, "getStreamMs" | "listenMs">>;
}

/**
 * Serves this MCP server over Streamable HTTP at /mcp, both protocol eras (src/host/http.ts):
 * a 2025 session is bound to the principal that opened it, and a 2026 listen stream enters
 * the change hub through its one entry (`hub.listen`, which also applies the caller's
 * workspace limit); 2025 sessions deliver changes themselves (`deliver: true`).
 */
export function serveHttp(opts: HttpOptions): Promise<HttpHandle> {
  const { getStreamMs, listenMs, ...socketTimeouts } = opts.timeouts ?? {};
  const limits: Partial<HostLimits> = {
    ...(opts.maxBodyBytes !== undefined ? { maxBodyBytes: opts.maxBodyBytes } : {}),
    ...(opts.maxSessions !== undefined ? { maxSessions: opts.maxSessions } : {}),
    ...(opts.idleTimeoutMs !== undefined ? { idleTimeoutMs: opts.idleTimeoutMs } : {}),
    ...(opts.evictableAfterMs !== undefined ? { evictableAfterMs: opts.evictableAfterMs } : {}),
    ...(getStreamMs !== undefined ? { getStreamMs } : {}),
    ...(listenMs !== undefined ? { listenMs } : {}),
  };
  const { log } = opts;
  return hostServeHttp({
    host: opts.host,
    port: opts.port,
    newServer: (era) =>
      era === "modern"
        ? opts.newServer({ era, deliver: false })
        : opts.newServer({ era, deliver: true }),
    bus: opts.hub.bus,
    onListen: opts.hub.listen,
    sessionOwner: (authInfo) => authInfo?.extra?.principal,
    log: { debug: (m) => log.debug(m), error: (m) => log.error(m) },
    limits,
    busyAdvice: "see --max-sessions",
    timeouts: socketTimeouts,
    ...(opts.authenticate ? { authenticate: opts.authenticate } : {}),
    ...(opts.allowedOrigins ? { allowedOrigins: opts.allowedOrigins } : {}),
    ...(opts.maxConnections !== undefined ? { maxConnections: opts.maxConnections } : {}),
    ...(opts.serveOther ? { serveOther: opts.serveOther } : {}),
  });
}
