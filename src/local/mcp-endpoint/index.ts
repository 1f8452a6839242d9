import {
  createMcpHandler,
  InMemoryServerEventBus,
  isJsonContentType,
  isLegacyRequest,
  type McpHttpHandler,
  readRequestBody,
  type Server,
  type ServerEvent,
  WebStandardStreamableHTTPServerTransport,
} from "@modelcontextprotocol/server";
import { type Logger, silentLogger } from "../../log.js";
import type { Catalog } from "../catalog.js";
import type { ChangeFeed } from "../changes.js";
import type { KeyChecker } from "../key-check.js";
import type { Store } from "../store.js";
import { authenticate } from "./auth.js";
import { type ExecuteFn, storeExecutor } from "./execute.js";
import { buildEndpointServer, type EndpointDeps } from "./server.js";
import { SourceBudget } from "./source-budget.js";
import { type ToolSurface, ToolSurfaces } from "./tools.js";

export type { ExecuteFn, ExecuteRequest, ExecuteResult } from "./execute.js";

/** The same 1 MiB limit as the REST routes. */
const MAX_BODY_BYTES = 1024 * 1024;
/** How long one change-feed wait lasts before it is renewed (it ends early on any change). */
const WATCH_WAIT_MS = 25_000;
const DEFAULT_MAX_SESSIONS = 1000;
/** A session with no request for this long and no open stream is closed. */
const SESSION_IDLE_MS = 30 * 60_000;

export interface McpEndpointsOptions {
  store: Store;
  catalog: () => Catalog;
  /** The change feed: other processes' writes reach connected clients through it. */
  changes: ChangeFeed;
  /** Runs actions; defaults to the local execution engine on `store`. */
  execute?: ExecuteFn;
  log?: Logger;
  /** Legacy (2025-11-25) sessions kept at once; the least recently used is closed beyond it. */
  maxSessions?: number;
  /** Verifies bearer tokens (shared with the REST key checks: one KDF queue). */
  keys: KeyChecker;
  /** Browser origins allowed besides loopback ones (e.g. https://app.example.com). */
  allowedOrigins?: readonly string[];
}

interface Session {
  transport: WebStandardStreamableHTTPServerTransport;
  server: Server;
  lastUsed: number;
  /** Open GET streams: the only way a legacy session can receive list_changed. */
  streams: number;
}

/** A bus that tells the endpoints when a modern client starts listening. */
class WatchedBus extends InMemoryServerEventBus {
  constructor(private readonly onSubscribe: () => void) {
    super();
  }
  override subscribe(listener: (event: ServerEvent) => void): () => void {
    const off = super.subscribe(listener);
    this.onSubscribe();
    return off;
  }
}

/** What is live for one Weavz MCP server: its legacy sessions and its modern handler. */
interface ServerState {
  /** The stored token form clients were admitted with: a new token or a deletion closes everything. */
  tokenHash: string;
  sessions: Map<string, Session>;
  modern?: McpHttpHandler;
  bus: WatchedBus;
  /** The tools clients were last told about (notifications go out when it changes). */
  fingerprint: string | undefined;
}

const jsonRpcError = (
  status: number,
  code: number,
  message: string,
  headers?: Record<string, string>,
) => Response.json({ jsonrpc: "2.0", error: { code, message }, id: null }, { status, headers });

const LOCAL_HOSTNAMES = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * Browsers send Origin; a page from another site must not drive a local endpoint (DNS
 * rebinding). Allowed: no Origin (non-browser clients), a loopback origin, or one of the
 * allowed origins. Never "the same as Host": a rebound name sends its own Host, so that
 * comparison would admit exactly the page it is meant to stop.
 */
function originAllowed(headers: Headers, allowed: ReadonlySet<string>): boolean {
  const origin = headers.get("origin");
  if (origin === null) return true;
  try {
    const url = new URL(origin);
    return LOCAL_HOSTNAMES.has(url.hostname) || allowed.has(url.origin);
  } catch {
    return false;
  }
}

/**
 * Serves every Weavz MCP server of the local API at its `mcpEndpoint` as a Streamable HTTP
 * MCP endpoint, for both protocol eras:
 * - 2025-11-25 clients (initialize, Mcp-Session-Id, GET stream): one SDK transport and
 *   server per session, so list_changed reaches them on their GET stream;
 * - 2026-07-28 clients (per-request envelope): the SDK's strict modern handler, one per
 *   MCP server, whose `subscriptions/listen` streams get list_changed from its bus.
 * Auto-sync: while any client is connected, the change feed is watched and each server's
 * tools are compared with what its clients last saw; a difference notifies them at once.
 */
export class McpEndpoints {
  private readonly store: Store;
  private readonly changes: ChangeFeed;
  private readonly log: Logger;
  private readonly deps: EndpointDeps;
  private readonly maxSessions: number;
  private readonly keys: KeyChecker;
  private readonly allowedOrigins: ReadonlySet<string>;
  /** Unrecognised-token checks per client address (see SourceBudget). */
  private readonly budget = new SourceBudget();
  private readonly states = new Map<string, ServerState>();
  private watching = false;
  private watchAbort: AbortController | undefined;
  private closed = false;

  constructor(opts: McpEndpointsOptions) {
    this.store = opts.store;
    this.changes = opts.changes;
    this.log = opts.log ?? silentLogger;
    this.maxSessions = opts.maxSessions ?? DEFAULT_MAX_SESSIONS;
    this.keys = opts.keys;
    this.allowedOrigins = new Set(
      (opts.allowedOrigins ?? []).map((o) => {
        try {
          return new URL(o).origin;
        } catch {
          return o;
        }
      }),
    );
    this.deps = {
      store: opts.store,
      surfaces: new ToolSurfaces(opts.store, opts.catalog),
      execute: opts.execute ?? storeExecutor(opts.store),
      log: this.log,
    };
  }

  /** Legacy sessions open now (introspection for tests). */
  get sessionCount(): number {
    let n = 0;
    for (const s of this.states.values()) n += s.sessions.size;
    return n;
  }

  /** True while the change feed is watched for connected clients (introspection for tests). */
  get isWatching(): boolean {
    return this.watching;
  }

  /**
   * Serves one HTTP request to the endpoint of MCP server `serverId`; `source` is the
   * client's address (its budget of unrecognised-token checks).
   */
  async fetch(request: Request, serverId: string, source = "unknown"): Promise<Response> {
    if (this.closed) return jsonRpcError(503, -32000, "The local API is shutting down.");
    if (!originAllowed(request.headers, this.allowedOrigins)) {
      return jsonRpcError(403, -32000, "Forbidden: the Origin header names another site.");
    }
    const auth = await authenticate(this.store, this.keys, serverId, request.headers, {
      limits: this.budget,
      source,
    });
    if (!auth.ok) return auth.response;
    const state = this.stateFor(serverId, auth.tokenHash);

    const method = request.method.toUpperCase();
    if (method === "GET" || method === "DELETE") return this.legacy(state, serverId, request);
    if (method !== "POST") {
      return jsonRpcError(405, -32000, `${method} is not allowed; use POST, GET or DELETE.`, {
        allow: "POST, GET, DELETE",
      });
    }
    if (!isJsonContentType(request.headers.get("content-type"))) {
      return jsonRpcError(415, -32000, "Content-Type must be application/json.");
    }
    const read = await readRequestBody(request, MAX_BODY_BYTES);
    if (read.tooLarge) {
      return jsonRpcError(413, -32000, `The request body exceeds ${MAX_BODY_BYTES} bytes (1 MiB).`);
    }
    let body: unknown;
    try {
      body = JSON.parse(read.text);
    } catch {
      return jsonRpcError(400, -32700, "Parse error: the body is not valid JSON.");
    }
    if (await isLegacyRequest(request, body)) return this.legacy(state, serverId, request, body);
    return this.modernHandler(state, serverId).fetch(request, { parsedBody: body });
  }

  /** Closes every session and subscription; the endpoints answer 503 afterwards. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.watchAbort?.abort();
    clearInterval(this.sweepTimer);
    await Promise.all([...this.states.keys()].map((id) => this.teardown(id)));
  }

  private stateFor(serverId: string, tokenHash: string): ServerState {
    const existing = this.states.get(serverId);
    if (existing && existing.tokenHash === tokenHash) return existing;
    if (existing) void this.teardown(serverId);
    const state: ServerState = {
      tokenHash,
      sessions: new Map(),
      bus: new WatchedBus(() => this.startWatching()),
      fingerprint: this.deps.surfaces.get(serverId)?.fingerprint,
    };
    this.states.set(serverId, state);
    return state;
  }

  private modernHandler(state: ServerState, serverId: string): McpHttpHandler {
    state.modern ??= createMcpHandler(() => buildEndpointServer(this.deps, serverId), {
      legacy: "reject",
      bus: state.bus,
      maxRequestBodySize: MAX_BODY_BYTES,
      onerror: (err) => this.log.debug(`MCP endpoint ${serverId}: ${err.message}`),
    });
    return state.modern;
  }

  private async legacy(
    state: ServerState,
    serverId: string,
    request: Request,
    body?: unknown,
  ): Promise<Response> {
    const options = body === undefined ? {} : { parsedBody: body };
    const sid = request.headers.get("mcp-session-id");
    if (sid) {
      const session = state.sessions.get(sid);
      // The spec's answer for an unknown (or expired) session: 404, then the client starts over.
      if (!session)
        return jsonRpcError(404, -32001, "Session not found; initialize a new session.");
      session.lastUsed = Date.now();
      const response = await session.transport.handleRequest(request, options);
      return request.method.toUpperCase() === "GET"
        ? this.trackStream(session, response)
        : response;
    }
    const isInitialize =
      typeof body === "object" &&
      body !== null &&
      (body as { method?: unknown }).method === "initialize";
    if (request.method.toUpperCase() !== "POST" || !isInitialize) {
      return jsonRpcError(
        400,
        -32000,
        "Bad Request: Mcp-Session-Id header required (send initialize first).",
      );
    }
    this.evictIfFull();
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => crypto.randomUUID(),
      maxRequestBodySize: MAX_BODY_BYTES,
      onsessioninitialized: (id) => {
        state.sessions.set(id, { transport, server, lastUsed: Date.now(), streams: 0 });
        this.sweepLater();
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) state.sessions.delete(transport.sessionId);
      this.stopWatchingIfIdle();
    };
    const server = buildEndpointServer(this.deps, serverId);
    await server.connect(transport);
    return transport.handleRequest(request, options);
  }

  /**
   * Counts the session's GET stream while it is open: only then can it receive list_changed,
   * so only then is the change feed watched for it.
   */
  private trackStream(session: Session, response: Response): Response {
    if (response.status !== 200 || !response.body) return response;
    const reader = response.body.getReader();
    session.streams++;
    this.startWatching();
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      session.streams--;
      session.lastUsed = Date.now();
      this.stopWatchingIfIdle();
    };
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const r = await reader.read();
          if (r.done) {
            end();
            controller.close();
          } else {
            controller.enqueue(r.value);
          }
        } catch (err) {
          end();
          controller.error(err);
        }
      },
      cancel(reason) {
        end();
        return reader.cancel(reason);
      },
    });
    return new Response(body, { status: response.status, headers: response.headers });
  }

  private sweepTimer: NodeJS.Timeout | undefined;

  /** Closes idle sessions (no request for SESSION_IDLE_MS, no open stream) every few minutes. */
  private sweepLater(): void {
    if (this.sweepTimer || this.closed) return;
    this.sweepTimer = setInterval(() => {
      const cutoff = Date.now() - SESSION_IDLE_MS;
      let left = 0;
      for (const state of this.states.values()) {
        for (const s of state.sessions.values()) {
          if (s.streams === 0 && s.lastUsed < cutoff) void s.transport.close();
          else left++;
        }
      }
      if (left === 0) {
        clearInterval(this.sweepTimer);
        this.sweepTimer = undefined;
      }
    }, SESSION_IDLE_MS / 6);
    this.sweepTimer.unref();
  }

  private evictIfFull(): void {
    if (this.sessionCount < this.maxSessions) return;
    let oldest: Session | undefined;
    for (const state of this.states.values()) {
      for (const s of state.sessions.values())
        if (!oldest || s.lastUsed < oldest.lastUsed) oldest = s;
    }
    void oldest?.transport.close();
  }

  private async teardown(serverId: string): Promise<void> {
    const state = this.states.get(serverId);
    if (!state) return;
    this.states.delete(serverId);
    const closing: Array<Promise<void>> = [];
    for (const s of state.sessions.values()) closing.push(s.transport.close());
    if (state.modern) closing.push(state.modern.close());
    await Promise.allSettled(closing);
  }

  private needsWatch(): boolean {
    if (this.closed) return false;
    for (const state of this.states.values()) {
      if (state.bus.listenerCount > 0) return true;
      for (const s of state.sessions.values()) if (s.streams > 0) return true;
    }
    return false;
  }

  private stopWatchingIfIdle(): void {
    if (!this.needsWatch()) this.watchAbort?.abort();
  }

  /** Watches the change feed until no client is connected any more. */
  private startWatching(): void {
    if (this.watching || this.closed) return;
    this.watching = true;
    void this.watch().finally(() => {
      this.watching = false;
      // A client may have connected just as the loop ended.
      if (this.needsWatch()) this.startWatching();
    });
  }

  private async watch(): Promise<void> {
    let seq = this.store.changeSeq();
    // Anything that changed since the states took their baseline.
    this.sync();
    while (this.needsWatch()) {
      const abort = new AbortController();
      this.watchAbort = abort;
      const started = Date.now();
      const next = await this.changes.wait(seq, WATCH_WAIT_MS, abort.signal);
      if (this.closed) return;
      if (next !== seq) {
        seq = next;
        this.sync();
      } else if (!abort.signal.aborted && Date.now() - started < 5) {
        // The feed answered at once with nothing new (it was closed): do not spin.
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  /** Compares every live server's tools with what its clients saw; notifies on a difference. */
  private sync(): void {
    for (const [id, state] of [...this.states]) {
      let surface: ToolSurface | undefined;
      let hash: string | null | undefined;
      try {
        hash = this.store.mcpServerTokenHash(id);
        surface = this.deps.surfaces.get(id);
      } catch (err) {
        this.log.warn(`MCP endpoint ${id}: cannot read the store: ${(err as Error).message}`);
        return;
      }
      if (!surface || hash !== state.tokenHash) {
        // Deleted, token regenerated or dropped: its clients are no longer admitted.
        void this.teardown(id);
        continue;
      }
      if (surface.fingerprint === state.fingerprint) continue;
      state.fingerprint = surface.fingerprint;
      for (const s of state.sessions.values()) {
        s.server.sendToolListChanged().catch(() => {
          // The session closed meanwhile: nothing to tell.
        });
      }
      state.modern?.notify.toolsChanged();
    }
  }
}
