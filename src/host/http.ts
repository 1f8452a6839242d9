import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { AuthInfo, Server, ServerEventBus } from "@modelcontextprotocol/server";
import { createDualEraEndpoint, DEFAULT_LIMITS, type HostLimits } from "./dual-era.js";
import { ClientGone, rebindingGuard, rpcError, sendJson, sendWebResponse } from "./http-io.js";
import type { ListenHook } from "./listen.js";
import { SessionTable } from "./sessions.js";

/**
 * The one place a request is authenticated, after the Host/Origin checks and before any
 * routing to either era: returns who is calling (`AuthInfo`, or undefined when anonymous
 * access is fine) or the web Response to send instead (a 401 with its challenge, say).
 */
export type Authenticate = (req: IncomingMessage) => Promise<AuthInfo | undefined | Response>;

/** The host's log: debug detail and errors only. */
export interface HostLog {
  debug(message: string): void;
  error(message: string): void;
}

/** Socket-level timeouts, in milliseconds. */
export interface HttpTimeouts {
  /** Request headers must arrive within this (slowloris). */
  headersMs: number;
  /** The whole request, body included, must arrive within this. */
  requestMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveMs: number;
}

export const DEFAULT_TIMEOUTS: HttpTimeouts = {
  headersMs: 10_000,
  requestMs: 30_000,
  keepAliveMs: 65_000,
};

/** Options of the Streamable HTTP front door. */
export interface HttpOptions {
  host: string;
  port: number;
  /** The MCP endpoint's path (default /mcp). */
  path?: string;
  /** A fresh SDK Server: one per 2025 session, one per 2026 request. */
  newServer: (era: "legacy" | "modern") => Server;
  /** Where 2026 listen streams hear changes from. */
  bus?: ServerEventBus;
  /** A 2026 subscriptions/listen opened: refuse it (e.g. outside the caller's scope) or track it. */
  onListen?: ListenHook;
  log: HostLog;
  /** Authentication hook (default: everyone who passes the Host/Origin checks). */
  authenticate?: Authenticate;
  /** The caller a 2025 session belongs to (only they may use it). */
  sessionOwner?: (authInfo: AuthInfo | undefined) => unknown;
  /** Origins accepted besides loopback ones. */
  allowedOrigins?: readonly string[];
  /**
   * Requests for paths other than the MCP endpoint, after the Host/Origin checks and before
   * the authentication hook (a dashboard with its own login, say): true when answered; false
   * declines the path (the authentication hook's own routes, then 404).
   */
  serveOther?: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
  /** Transport limits (defaults: DEFAULT_LIMITS). */
  limits?: Partial<HostLimits>;
  /** Said in the 503 when every session is in use (how the operator raises the cap). */
  busyAdvice?: string;
  /** Most open connections (default 2 × maxSessions + 100). */
  maxConnections?: number;
  timeouts?: Partial<HttpTimeouts>;
}

export interface HttpHandle {
  url: string;
  port: number;
  sessionCount(): number;
  /**
   * Closes every 2025 session and 2026 listen stream whose owner (from `sessionOwner`) `keep`
   * no longer accepts; resolves to how many.
   */
  revoke(keep: (owner: unknown) => boolean): Promise<number>;
  close(): Promise<void>;
}

/**
 * The HTTP front door: a node:http server with socket timeouts and client-error answers,
 * then for every request the Host/Origin checks (DNS rebinding), `serveOther` for other
 * paths, the authentication hook, and the MCP endpoint (both protocol eras, see
 * createDualEraEndpoint). Knows the SDK and Node, and nothing of what is served.
 */
export async function serveHttp(opts: HttpOptions): Promise<HttpHandle> {
  const { log } = opts;
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const timeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
  const mcpPath = opts.path ?? "/mcp";
  const sessions = new SessionTable({
    max: limits.maxSessions,
    idleTimeoutMs: limits.idleTimeoutMs,
    evictableAfterMs: limits.evictableAfterMs,
  });
  const guard = rebindingGuard(opts.host, opts.allowedOrigins ?? []);
  const endpoint = createDualEraEndpoint({
    newServer: opts.newServer,
    sessions,
    limits,
    ...(opts.bus ? { bus: opts.bus } : {}),
    ...(opts.onListen ? { onListen: opts.onListen } : {}),
    ...(opts.sessionOwner ? { sessionOwner: opts.sessionOwner } : {}),
    ...(opts.busyAdvice ? { busyAdvice: opts.busyAdvice } : {}),
    onerror: (err) => log.debug(`mcp: ${err.message}`),
  });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? "/").split("?")[0];
    if (!guard.hostAllowed(req)) {
      sendJson(res, 403, { error: "Forbidden: Host header not allowed", code: "FORBIDDEN" });
      return;
    }
    if (!guard.originAllowed(req)) {
      sendJson(res, 403, {
        error: "Forbidden: Origin not allowed (see --allowed-origins)",
        code: "FORBIDDEN",
      });
      return;
    }
    if (path !== mcpPath && opts.serveOther && (await opts.serveOther(req, res))) return;
    // Before routing, so the hook can also serve its own routes (OAuth resource metadata).
    let authInfo: AuthInfo | undefined;
    if (opts.authenticate) {
      const outcome = await opts.authenticate(req);
      if (outcome instanceof Response) {
        await sendWebResponse(res, outcome);
        return;
      }
      authInfo = outcome;
    }
    if (path === mcpPath) {
      await endpoint.handle(req, res, authInfo);
      return;
    }
    sendJson(res, 404, { error: `Not found: the MCP endpoint is ${mcpPath}`, code: "NOT_FOUND" });
  };

  const http = createServer(
    {
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      keepAliveTimeout: timeouts.keepAliveMs,
      // How often the two timeouts above are checked (Node's default, 30 s, is too coarse).
      connectionsCheckingInterval: Math.min(1000, timeouts.headersMs),
    },
    (req, res) => {
      handle(req, res).catch((err: unknown) => {
        if (err instanceof ClientGone || req.destroyed) {
          // The client went away: nobody to answer, nothing wrong here.
          log.debug(`http transport: client went away (${(err as Error).message})`);
          return;
        }
        log.error(`http transport: ${err instanceof Error ? err.message : String(err)}`);
        if (!res.headersSent) rpcError(res, 500, -32603, "Internal error");
        else res.end();
      });
    },
  );
  http.maxConnections = opts.maxConnections ?? 2 * limits.maxSessions + 100;
  // A client that resets its connection is routine, not an error worth a log line.
  http.on("clientError", (err: NodeJS.ErrnoException, socket) => {
    log.debug(`http transport: client error ${err.code ?? err.message}`);
    if (socket.writable && !socket.destroyed) {
      const status =
        err.code === "ERR_HTTP_REQUEST_TIMEOUT"
          ? "408 Request Timeout"
          : err.code === "HPE_HEADER_OVERFLOW"
            ? "431 Request Header Fields Too Large"
            : "400 Bad Request";
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    } else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(opts.port, opts.host, () => {
      http.off("error", reject);
      resolve();
    });
  });
  const port = (http.address() as AddressInfo).port;
  const shownHost = opts.host.includes(":") ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${shownHost}:${port}${mcpPath}`,
    port,
    sessionCount: () => sessions.size,
    revoke: async (keep) =>
      endpoint.revokeListens(keep) + (await sessions.closeWhere((owner) => !keep(owner))),
    close: async () => {
      await endpoint.close();
      await sessions.closeAll();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
