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
import { listenInterest, watchListen } from "./listen-tracker.js";

/**
 * The one place a request is authenticated, after the Host/Origin checks and before any
 * routing to either era: returns who is calling (`AuthInfo`, or undefined when anonymous
 * access is fine) or the web Response to send instead (a 401 with its challenge, say).
 */
export type Authenticate = (req: IncomingMessage) => Promise<AuthInfo | undefined | Response>;

/** Options of the Streamable HTTP endpoint. */
export interface HttpOptions {
  host: string;
  port: number;
  newServer: (opts?: NewServerOptions) => Server;
  /** Change hub: its bus feeds 2026 listen streams; listens keep its feed running. */
  hub: ResourceHub;
  log: Logger;
  /** Authentication hook (default: everyone who passes the Host/Origin checks). */
  authenticate?: Authenticate;
  /** Origins accepted besides loopback ones. */
  allowedOrigins?: readonly string[];
  /** Sessions unused this long are closed (default 30 min). */
  idleTimeoutMs?: number;
  /** Largest accepted request body (default 1 MiB). */
  maxBodyBytes?: number;
}

export interface HttpHandle {
  url: string;
  port: number;
  sessionCount(): number;
  close(): Promise<void>;
}

interface Session {
  transport: NodeStreamableHTTPServerTransport;
  server: Server;
  lastSeen: number;
  /** Who opened it (authInfo.extra.principal); only they may use it. */
  owner: unknown;
}

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

function hostnameOf(hostHeader: string): string {
  if (hostHeader.startsWith("["))
    return hostHeader.slice(0, hostHeader.indexOf("]") + 1).toLowerCase();
  return (hostHeader.split(":")[0] ?? "").toLowerCase();
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** A JSON-RPC error object with no id, as the transport itself would send. */
function rpcError(res: ServerResponse, status: number, code: number, message: string): void {
  sendJson(res, status, { jsonrpc: "2.0", error: { code, message }, id: null });
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? "0");
    if (declared > limit) {
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners("data");
        req.resume();
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** What the authentication hook left on the request. */
const authInfoOf = (req: IncomingMessage) => (req as IncomingMessage & { auth?: AuthInfo }).auth;
/** The caller a session belongs to: a stolen session id is useless with another token. */
const ownerOf = (req: IncomingMessage) => authInfoOf(req)?.extra?.principal;

/** Writes a web Response (from the auth hook) to a Node response. */
async function sendWebResponse(res: ServerResponse, response: Response): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, key) => {
    headers[key] = value;
  });
  res.writeHead(response.status, headers);
  res.end(Buffer.from(await response.arrayBuffer()));
}

/** Headers of a Node request as web Headers (for the SDK's era classification). */
function webHeaders(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers.set(key, Array.isArray(value) ? value.join(", ") : value);
  }
  return headers;
}

/**
 * Streamable HTTP at /mcp, both protocol eras on one endpoint:
 * - 2025-11-25 (no `_meta` envelope: `initialize`, then an Mcp-Session-Id): one SDK Server
 *   and transport per session, reused for every request of that session (rebuilding per
 *   request costs about 3× throughput), so resources/subscribe and GET streams work;
 *   responses stream as SSE.
 * - 2026-07-28 (the `_meta` envelope): the SDK's stateless handler, a fresh Server per
 *   request; subscriptions/listen streams are fed from the hub's bus.
 * The SDK's own classifier (`isLegacyRequest`) decides; GET and DELETE are 2025-only.
 */
export async function serveHttp(opts: HttpOptions): Promise<HttpHandle> {
  const { log } = opts;
  const maxBody = opts.maxBodyBytes ?? 1024 * 1024;
  const idleMs = opts.idleTimeoutMs ?? 30 * 60 * 1000;
  const sessions = new Map<string, Session>();
  const modern = createMcpHandler(() => opts.newServer({ era: "modern", deliver: false }), {
    legacy: "reject",
    bus: opts.hub.bus,
    onerror: (err) => log.debug(`mcp (2026): ${err.message}`),
  });
  const serveModern = toNodeHandler(modern, {
    onerror: (err) => log.debug(`mcp (2026): ${err.message}`),
  });
  const extraOrigins = new Set((opts.allowedOrigins ?? []).map((o) => new URL(o).origin));
  // Host names a request may name: loopback, the bound interface, and those of --allowed-origins.
  const allowedHostNames = new Set([
    ...LOOPBACK_HOSTS,
    ...[...extraOrigins].map((o) => new URL(o).hostname),
  ]);
  const bound = opts.host.toLowerCase();
  if (bound !== "0.0.0.0" && bound !== "::")
    allowedHostNames.add(bound.includes(":") ? `[${bound}]` : bound);

  // DNS-rebinding defence: a page on a foreign site must not reach this loopback server.
  const hostAllowed = (req: IncomingMessage): boolean => {
    const host = req.headers.host;
    return host !== undefined && allowedHostNames.has(hostnameOf(host));
  };
  const originAllowed = (req: IncomingMessage): boolean => {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    if (extraOrigins.has(origin)) return true;
    try {
      const u = new URL(origin);
      return (
        (u.protocol === "http:" || u.protocol === "https:") &&
        LOOPBACK_HOSTS.has(u.hostname.toLowerCase())
      );
    } catch {
      return false;
    }
  };

  const closeSession = async (id: string) => {
    const s = sessions.get(id);
    if (!s) return;
    sessions.delete(id);
    await s.transport.close().catch(() => {});
    await s.server.close().catch(() => {});
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? "/").split("?")[0];
    if (!hostAllowed(req)) {
      sendJson(res, 403, { error: "Forbidden: Host header not allowed", code: "FORBIDDEN" });
      return;
    }
    if (!originAllowed(req)) {
      sendJson(res, 403, {
        error: "Forbidden: Origin not allowed (see --allowed-origins)",
        code: "FORBIDDEN",
      });
      return;
    }
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
          rpcError(res, 413, -32600, `Request body too large (limit ${maxBody} bytes)`);
          res.once("finish", () => req.destroy());
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
      const probe = new Request("http://localhost/mcp", {
        method: "POST",
        headers: webHeaders(req),
      });
      if (!(await isLegacyRequest(probe, body))) {
        const interest = listenInterest(body);
        // The SDK honours listen URIs verbatim: a token's workspace limit is checked here.
        const refusal = interest && listenRefusal(authInfoOf(req), interest.uris);
        if (refusal) {
          const id = (body as { id?: unknown }).id ?? null;
          sendJson(res, 200, { jsonrpc: "2.0", id, error: { code: -32602, message: refusal } });
          return;
        }
        // A listen stream keeps the change feed running for what it named, until it closes.
        if (interest) res.once("close", watchListen(opts.hub, interest));
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
      s.lastSeen = Date.now();
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
    const server = opts.newServer({ era: "legacy", deliver: true });
    const transport: NodeStreamableHTTPServerTransport = new NodeStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        sessions.set(id, { transport, server, lastSeen: Date.now(), owner: ownerOf(req) });
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

  const http = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log.error(`http transport: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) rpcError(res, 500, -32603, "Internal error");
      else res.end();
    });
  });
  http.keepAliveTimeout = 65_000;

  const sweep = setInterval(
    () => {
      const cutoff = Date.now() - idleMs;
      for (const [id, s] of sessions) if (s.lastSeen < cutoff) void closeSession(id);
    },
    Math.min(60_000, Math.max(1000, Math.floor(idleMs / 2))),
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
    close: async () => {
      clearInterval(sweep);
      await modern.close().catch(() => {});
      await Promise.all([...sessions.keys()].map(closeSession));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
