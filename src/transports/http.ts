import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { NodeStreamableHTTPServerTransport, toNodeHandler } from "@modelcontextprotocol/node";
import {
  type AuthInfo,
  createMcpHandler,
  isInitializeRequest,
  isJsonContentType,
  isLegacyRequest,
  type Server,
} from "@modelcontextprotocol/server";
import type { Logger } from "../log.js";
import type { ResourceHub } from "../mcp/resources/hub.js";
import { listenRefusal } from "../mcp/scope.js";
import type { NewServerOptions } from "../mcp/server.js";
import {
  BodyTooLarge,
  ClientGone,
  readBody,
  rebindingGuard,
  rpcError,
  sendJson,
  sendWebResponse,
  webHeaders,
} from "./http-io.js";
import { SessionTable } from "./http-sessions.js";
import { checkMessage } from "./jsonrpc-guard.js";
import { listenInterest, watchListen } from "./listen-tracker.js";

/**
 * The one place a request is authenticated, after the Host/Origin checks and before any
 * routing to either era: returns who is calling (`AuthInfo`, or undefined when anonymous
 * access is fine) or the web Response to send instead (a 401 with its challenge, say).
 */
export type Authenticate = (req: IncomingMessage) => Promise<AuthInfo | undefined | Response>;

/** Socket-level timeouts, in milliseconds. */
export interface HttpTimeouts {
  /** Request headers must arrive within this (slowloris). */
  headersMs: number;
  /** The whole request, body included, must arrive within this. */
  requestMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveMs: number;
  /** A 2025 GET stream is closed after this; the client reconnects. */
  getStreamMs: number;
  /** A 2026 subscriptions/listen stream is closed after this; the client re-listens. */
  listenMs: number;
}

export const DEFAULT_TIMEOUTS: HttpTimeouts = {
  headersMs: 10_000,
  requestMs: 30_000,
  keepAliveMs: 65_000,
  getStreamMs: 30 * 60_000,
  listenMs: 30 * 60_000,
};

/** Options of the Streamable HTTP endpoint. */
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
  timeouts?: Partial<HttpTimeouts>;
}

export interface HttpHandle {
  url: string;
  port: number;
  sessionCount(): number;
  /**
   * Closes every 2025 session and 2026 listen stream whose owner `keep` no longer accepts
   * (after the tokens file was reloaded without its token, or with a narrower limit).
   */
  revoke(keep: (owner: unknown) => boolean): Promise<number>;
  close(): Promise<void>;
}

/** Protocol revisions of the 2025 era; any other MCP-Protocol-Version header may be modern. */
const LEGACY_VERSIONS = new Set(["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"]);

/**
 * The common 2025 request, recognised without the SDK's classifier (which costs about
 * 0.1 ms a request to build a web Request): a single message with no `io.modelcontextprotocol/`
 * key in its `_meta` and no modern MCP-Protocol-Version header. Anything else goes to
 * `isLegacyRequest`, so the two can never disagree on a modern request.
 */
function plainlyLegacy(req: IncomingMessage, body: unknown): boolean {
  const version = req.headers["mcp-protocol-version"];
  if (version !== undefined && !(typeof version === "string" && LEGACY_VERSIONS.has(version)))
    return false;
  if (typeof body !== "object" || body === null || Array.isArray(body)) return false;
  const meta = (body as { params?: { _meta?: unknown } }).params?._meta;
  if (meta === undefined) return true;
  if (typeof meta !== "object" || meta === null) return false;
  return !Object.keys(meta).some((k) => k.startsWith("io.modelcontextprotocol/"));
}

/** The web Request the SDK's classifier takes (headers only; the body is passed parsed). */
const webProbe = (req: IncomingMessage) =>
  new Request("http://localhost/mcp", { method: "POST", headers: webHeaders(req) });

/** Seconds a client is asked to wait when every session is in use. */
const RETRY_AFTER_S = 30;

/** What the authentication hook left on the request. */
const authInfoOf = (req: IncomingMessage) => (req as IncomingMessage & { auth?: AuthInfo }).auth;
/** The caller a session belongs to: a stolen session id is useless with another token. */
const ownerOf = (req: IncomingMessage) => authInfoOf(req)?.extra?.principal;

/**
 * Streamable HTTP at /mcp, both protocol eras on one endpoint:
 * - 2025-11-25 (no `_meta` envelope: `initialize`, then an Mcp-Session-Id): one SDK Server
 *   and transport per session, reused for every request of that session (rebuilding per
 *   request costs about 3× throughput), so resources/subscribe and GET streams work;
 *   responses stream as SSE. Sessions are capped (idle ones evicted first, else 503).
 * - 2026-07-28 (the `_meta` envelope): the SDK's stateless handler, a fresh Server per
 *   request; subscriptions/listen streams are fed from the hub's bus.
 * The SDK's own classifier (`isLegacyRequest`) decides; GET and DELETE are 2025-only.
 * In front of both: Host/Origin checks, the authentication hook, Content-Type, the body
 * limit and a JSON-RPC shape check that answers every malformed request once.
 */
export async function serveHttp(opts: HttpOptions): Promise<HttpHandle> {
  const { log } = opts;
  const maxBody = opts.maxBodyBytes ?? 1024 * 1024;
  const maxSessions = opts.maxSessions ?? 1000;
  const timeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
  const sessions = new SessionTable({
    max: maxSessions,
    idleTimeoutMs: opts.idleTimeoutMs ?? 30 * 60 * 1000,
    evictableAfterMs: opts.evictableAfterMs ?? 60_000,
  });
  const guard = rebindingGuard(opts.host, opts.allowedOrigins ?? []);
  /** Open 2026 listen streams and who opened them (for revoke). */
  const listens = new Set<{ res: ServerResponse; owner: unknown }>();
  const modern = createMcpHandler(() => opts.newServer({ era: "modern", deliver: false }), {
    legacy: "reject",
    bus: opts.hub.bus,
    maxSubscriptions: maxSessions,
    onerror: (err) => log.debug(`mcp (2026): ${err.message}`),
  });
  const serveModern = toNodeHandler(modern, {
    onerror: (err) => log.debug(`mcp (2026): ${err.message}`),
  });

  /** Closes a long-lived stream after `ms`, unless it closed first. */
  const bound = (res: ServerResponse, ms: number, end: () => void) => {
    const timer = setTimeout(end, ms);
    timer.unref();
    res.once("close", () => clearTimeout(timer));
  };

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
    if (path !== "/mcp" && opts.serveOther && (await opts.serveOther(req, res))) return;
    // Before routing, so the hook can also serve its own routes (OAuth resource metadata).
    if (opts.authenticate) {
      const outcome = await opts.authenticate(req);
      if (outcome instanceof Response) {
        await sendWebResponse(res, outcome);
        return;
      }
      (req as IncomingMessage & { auth?: AuthInfo }).auth = outcome;
    }
    if (path !== "/mcp") {
      sendJson(res, 404, { error: `Not found: the MCP endpoint is /mcp`, code: "NOT_FOUND" });
      return;
    }
    const method = req.method ?? "GET";
    if (method !== "POST" && method !== "GET" && method !== "DELETE") {
      sendJson(
        res,
        405,
        { error: "Method not allowed: use POST, GET or DELETE", code: "METHOD_NOT_ALLOWED" },
        { allow: "POST, GET, DELETE" },
      );
      return;
    }

    let body: unknown;
    if (method === "POST") {
      const contentType = req.headers["content-type"];
      if (contentType !== undefined && !isJsonContentType(contentType)) {
        rpcError(res, 415, -32000, "Unsupported Media Type: send Content-Type: application/json");
        return;
      }
      let text: string;
      try {
        text = await readBody(req, maxBody);
      } catch (err) {
        if (err instanceof BodyTooLarge) {
          // Connection: close, and the rest of the body is drained, so the client reads the
          // 413 instead of a reset connection.
          rpcError(res, 413, -32600, `Request body too large (limit ${maxBody} bytes)`, {
            connection: "close",
          });
          return;
        }
        throw err;
      }
      try {
        body = JSON.parse(text);
      } catch {
        rpcError(res, 400, -32700, "Parse error: the body is not valid JSON");
        return;
      }
      if (!Array.isArray(body)) {
        const verdict = checkMessage(body);
        if (verdict.kind !== "pass") {
          sendJson(res, 400, verdict.reply);
          return;
        }
      }
      if (!plainlyLegacy(req, body) && !(await isLegacyRequest(webProbe(req), body))) {
        const interest = listenInterest(body);
        // The SDK honours listen URIs verbatim: a token's workspace limit is checked here.
        const refusal = interest && listenRefusal(authInfoOf(req), interest.uris);
        if (refusal) {
          const id = (body as { id?: unknown }).id ?? null;
          sendJson(res, 200, { jsonrpc: "2.0", id, error: { code: -32602, message: refusal } });
          return;
        }
        if (interest) {
          // A listen stream keeps the change feed running for what it named, until it closes,
          // and lives at most timeouts.listenMs (the client re-listens).
          res.once("close", watchListen(opts.hub, interest));
          const stream = { res, owner: ownerOf(req) };
          listens.add(stream);
          res.once("close", () => listens.delete(stream));
          bound(res, timeouts.listenMs, () => res.destroy());
        }
        await serveModern(req, res, body);
        return;
      }
    }

    const sessionHeader = req.headers["mcp-session-id"];
    const sessionId = Array.isArray(sessionHeader) ? sessionHeader[0] : sessionHeader;
    if (sessionId !== undefined) {
      const s = sessions.get(sessionId);
      if (!s || s.owner !== ownerOf(req)) {
        rpcError(res, 404, -32001, "Session not found: start a new session with initialize");
        return;
      }
      sessions.use(s, res);
      if (method === "GET") {
        bound(res, timeouts.getStreamMs, () => s.transport.closeStandaloneSSEStream());
      }
      await s.transport.handleRequest(req, res, body);
      return;
    }
    if (method !== "POST" || !isInitializeRequest(body)) {
      rpcError(
        res,
        400,
        -32000,
        "Bad Request: no mcp-session-id header; the first request must be initialize",
      );
      return;
    }
    if (!(await sessions.makeRoom())) {
      rpcError(
        res,
        503,
        -32000,
        `Server busy: all ${maxSessions} sessions are in use (see --max-sessions); retry later`,
        { "retry-after": String(RETRY_AFTER_S) },
      );
      return;
    }
    const server = opts.newServer({ era: "legacy", deliver: true });
    const transport: NodeStreamableHTTPServerTransport = new NodeStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        const session = { transport, server, lastSeen: Date.now(), active: 0, owner: ownerOf(req) };
        sessions.add(id, session);
        sessions.use(session, res);
      },
      onsessionclosed: (id) => {
        sessions.delete(id);
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
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
  http.maxConnections = opts.maxConnections ?? 2 * maxSessions + 100;
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

  const sweep = setInterval(
    () => sessions.sweep(),
    Math.min(60_000, Math.max(1000, Math.floor((opts.idleTimeoutMs ?? 30 * 60 * 1000) / 2))),
  );
  sweep.unref();

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
    url: `http://${shownHost}:${port}/mcp`,
    port,
    sessionCount: () => sessions.size,
    revoke: async (keep) => {
      let closed = 0;
      for (const l of listens) {
        if (keep(l.owner)) continue;
        listens.delete(l);
        l.res.destroy();
        closed++;
      }
      return closed + (await sessions.closeWhere((owner) => !keep(owner)));
    },
    close: async () => {
      clearInterval(sweep);
      await modern.close().catch(() => {});
      await sessions.closeAll();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
