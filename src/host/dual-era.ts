import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { NodeStreamableHTTPServerTransport, toNodeHandler } from "@modelcontextprotocol/node";
import {
  type AuthInfo,
  createMcpHandler,
  isInitializeRequest,
  isJsonContentType,
  isLegacyRequest,
  type McpHttpHandler,
  type Server,
  type ServerEventBus,
} from "@modelcontextprotocol/server";
import { BodyTooLarge, readBody, rpcError, sendJson, webHeaders } from "./http-io.js";
import { checkMessage, errorReply } from "./jsonrpc-guard.js";
import { type ListenHook, listenInterest } from "./listen.js";
import type { SessionTable } from "./sessions.js";

/** The one limits policy of every MCP endpoint the host serves. */
export interface HostLimits {
  /** Largest accepted request body. */
  maxBodyBytes: number;
  /** Most 2025 sessions at once (over every endpoint sharing a table); also 2026 listens. */
  maxSessions: number;
  /** Sessions unused this long are closed. */
  idleTimeoutMs: number;
  /** At the session cap, a session unused this long may be evicted. */
  evictableAfterMs: number;
  /** A 2025 GET stream is closed after this; the client reconnects. */
  getStreamMs: number;
  /** A 2026 subscriptions/listen stream is closed after this; the client re-listens. */
  listenMs: number;
}

export const DEFAULT_LIMITS: HostLimits = {
  maxBodyBytes: 1024 * 1024,
  maxSessions: 1000,
  idleTimeoutMs: 30 * 60_000,
  evictableAfterMs: 60_000,
  getStreamMs: 30 * 60_000,
  listenMs: 30 * 60_000,
};

/** What one dual-era endpoint serves and how it is told about its clients. */
export interface DualEraOptions {
  /** A fresh SDK Server: one per 2025 session, one per 2026 request. */
  newServer(era: "legacy" | "modern"): Server;
  /** The 2025 session table (bounded; may be shared by several endpoints). */
  sessions: SessionTable;
  limits: HostLimits;
  /** Where 2026 listen streams hear changes from (the SDK's default: an in-process bus). */
  bus?: ServerEventBus;
  /** A 2026 subscriptions/listen opened: refuse it, or learn when it ends. */
  onListen?: ListenHook;
  /** A 2025 GET stream opened (the only way a 2025 session hears of changes); returns its end. */
  onStream?: () => () => void;
  /** The caller a session belongs to: a stolen session id is useless with another token. */
  sessionOwner?: (authInfo: AuthInfo | undefined) => unknown;
  /** Said after "all N sessions are in use" in the 503 (how the operator raises the cap). */
  busyAdvice?: string;
  /** Where the SDK's own errors go (debug detail; clients get their answers regardless). */
  onerror?: (err: Error) => void;
}

/** One MCP endpoint serving both protocol eras; see {@link createDualEraEndpoint}. */
export interface DualEraEndpoint {
  /**
   * Serves one request whose Host/Origin and authentication have been checked (`authInfo` is
   * who is calling). Resolves when the answer is written or its stream handed to the SDK.
   */
  handle(req: IncomingMessage, res: ServerResponse, authInfo?: AuthInfo): Promise<void>;
  /** Publishes list changes to this endpoint's 2026 listen streams. */
  readonly notify: McpHttpHandler["notify"];
  /** 2025 sessions of this endpoint. */
  sessions(): Iterable<{ server: Server }>;
  /**
   * Closes the 2026 listen streams whose owner `keep` no longer accepts (e.g. after the
   * credentials were reloaded without theirs); resolves to how many. 2025 sessions live in the
   * shared table: close those with `SessionTable.closeWhere`.
   */
  revokeListens(keep: (owner: unknown) => boolean): number;
  /** Ends every session and stream of this endpoint. */
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
const headersOnly = (req: IncomingMessage) =>
  new Request("http://localhost/mcp", { method: "POST", headers: webHeaders(req) });

/** Seconds a client is asked to wait when every session is in use. */
const RETRY_AFTER_S = 30;

/** Closes a long-lived stream after `ms`, unless it closed first. */
function bounded(res: ServerResponse, ms: number, end: () => void): void {
  const timer = setTimeout(end, ms);
  timer.unref();
  res.once("close", () => clearTimeout(timer));
}

/**
 * Streamable HTTP for both protocol eras on one endpoint, the SDK's documented way of keeping
 * sessionful 2025 next to 2026 (route with `isLegacyRequest` in front of a `legacy: 'reject'`
 * handler):
 * - 2025-11-25 (no `_meta` envelope: `initialize`, then an Mcp-Session-Id): one SDK Server
 *   and transport per session, reused for every request of that session (rebuilding per
 *   request costs about 3× throughput), so resources/subscribe and GET streams work.
 *   Sessions are capped (idle ones evicted first, else 503).
 * - 2026-07-28 (the `_meta` envelope): the SDK's stateless handler, a fresh Server per
 *   request; subscriptions/listen streams are fed from `bus`.
 * In front of both: method and Content-Type checks, the body limit (413 with the rest
 * drained), and a JSON-RPC shape check that answers every malformed request once.
 */
export function createDualEraEndpoint(opts: DualEraOptions): DualEraEndpoint {
  const { limits, sessions } = opts;
  const tag = {};
  const onerror = opts.onerror ?? (() => {});
  const modern = createMcpHandler(() => opts.newServer("modern"), {
    legacy: "reject",
    ...(opts.bus ? { bus: opts.bus } : {}),
    maxSubscriptions: limits.maxSessions,
    maxRequestBodySize: limits.maxBodyBytes,
    onerror,
  });
  const serveModern = toNodeHandler(modern, { onerror });
  /** Open 2026 listen streams and who opened them (revokeListens). */
  const listens = new Set<{ res: ServerResponse; owner: unknown }>();

  /** The body of a POST as checked JSON-RPC, or undefined when an answer was already sent. */
  const readMessage = async (req: IncomingMessage, res: ServerResponse) => {
    const contentType = req.headers["content-type"];
    if (contentType !== undefined && !isJsonContentType(contentType)) {
      rpcError(res, 415, -32000, "Unsupported Media Type: send Content-Type: application/json");
      return undefined;
    }
    let text: string;
    try {
      text = await readBody(req, limits.maxBodyBytes);
    } catch (err) {
      if (!(err instanceof BodyTooLarge)) throw err;
      // Connection: close, and the rest of the body is drained, so the client reads the
      // 413 instead of a reset connection.
      rpcError(res, 413, -32600, `Request body too large (limit ${limits.maxBodyBytes} bytes)`, {
        connection: "close",
      });
      return undefined;
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      rpcError(res, 400, -32700, "Parse error: the body is not valid JSON");
      return undefined;
    }
    if (Array.isArray(body)) return { body };
    const verdict = checkMessage(body);
    if (verdict.kind !== "pass") {
      sendJson(res, 400, verdict.reply);
      return undefined;
    }
    return { body: verdict.message as unknown };
  };

  /** A 2026 request: the SDK's stateless handler; a listen stream tells `onListen`. */
  const serveModernRequest = async (
    req: IncomingMessage,
    res: ServerResponse,
    body: unknown,
    authInfo: AuthInfo | undefined,
  ) => {
    const interest = opts.onListen && listenInterest(body);
    if (interest) {
      const outcome = opts.onListen?.(interest, authInfo);
      if (outcome && "refusal" in outcome) {
        const id = (body as { id?: string | number }).id ?? null;
        sendJson(res, 200, errorReply(id, -32602, outcome.refusal));
        return;
      }
      if (outcome) res.once("close", outcome.stop);
      const stream = { res, owner: opts.sessionOwner?.(authInfo) };
      listens.add(stream);
      res.once("close", () => listens.delete(stream));
      // A listen stream lives at most limits.listenMs (the client re-listens).
      bounded(res, limits.listenMs, () => res.destroy());
    }
    await serveModern(req, res, body);
  };

  /** A 2025 request: its session's transport, or a new session for `initialize`. */
  const serveLegacy = async (
    req: IncomingMessage,
    res: ServerResponse,
    body: unknown,
    authInfo: AuthInfo | undefined,
  ) => {
    const owner = opts.sessionOwner?.(authInfo);
    const sessionHeader = req.headers["mcp-session-id"];
    const sessionId = Array.isArray(sessionHeader) ? sessionHeader[0] : sessionHeader;
    if (sessionId !== undefined) {
      const s = sessions.get(sessionId);
      if (!s || s.endpoint !== tag || s.owner !== owner) {
        rpcError(res, 404, -32001, "Session not found: start a new session with initialize");
        return;
      }
      sessions.use(s, res);
      if (req.method === "GET") {
        bounded(res, limits.getStreamMs, () => s.transport.closeStandaloneSSEStream());
        const end = opts.onStream?.();
        if (end) res.once("close", end);
      }
      await s.transport.handleRequest(req, res, body);
      return;
    }
    if (req.method !== "POST" || !isInitializeRequest(body)) {
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
        `Server busy: all ${limits.maxSessions} sessions are in use${opts.busyAdvice ? ` (${opts.busyAdvice})` : ""}; retry later`,
        { "retry-after": String(RETRY_AFTER_S) },
      );
      return;
    }
    const server = opts.newServer("legacy");
    const transport: NodeStreamableHTTPServerTransport = new NodeStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        const session = {
          transport,
          server,
          lastSeen: Date.now(),
          active: 0,
          owner,
          endpoint: tag,
        };
        sessions.add(id, session);
        sessions.use(session, res);
      },
      onsessionclosed: (id) => sessions.delete(id),
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  };

  return {
    notify: modern.notify,
    sessions: () => sessions.of(tag),
    async handle(req, res, authInfo) {
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
      // The SDK's transports and handler read the caller from here (its node convention).
      (req as IncomingMessage & { auth?: AuthInfo }).auth = authInfo;
      let body: unknown;
      if (method === "POST") {
        const read = await readMessage(req, res);
        if (!read) return;
        body = read.body;
        if (!plainlyLegacy(req, body) && !(await isLegacyRequest(headersOnly(req), body))) {
          await serveModernRequest(req, res, body, authInfo);
          return;
        }
      }
      await serveLegacy(req, res, body, authInfo);
    },
    revokeListens(keep) {
      let closed = 0;
      for (const l of listens) {
        if (keep(l.owner)) continue;
        listens.delete(l);
        l.res.destroy();
        closed++;
      }
      return closed;
    },
    async close() {
      await modern.close().catch(() => {});
      await sessions.closeAll(tag);
    },
  };
}
