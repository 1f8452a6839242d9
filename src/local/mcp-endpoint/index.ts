import type { IncomingMessage, ServerResponse } from "node:http";
import {
  createDualEraEndpoint,
  DEFAULT_LIMITS,
  type DualEraEndpoint,
} from "../../host/dual-era.js";
import { originGuard, rpcError, sendWebResponse, webHeaders } from "../../host/http-io.js";
import { SessionTable } from "../../host/sessions.js";
import { type Logger, silentLogger } from "../../log.js";
import type { Catalog } from "../catalog.js";
import type { ChangeFeed } from "../changes.js";
import type { KeyChecker } from "../key-check.js";
import type { Store } from "../store/index.js";
import { authenticate } from "./auth.js";
import { type ExecuteFn, storeExecutor } from "./execute.js";
import { buildEndpointServer, type EndpointDeps } from "./server.js";
import { SourceBudget } from "./source-budget.js";
import { type ToolSurface, ToolSurfaces } from "./tools.js";

export type { ExecuteFn, ExecuteRequest, ExecuteResult } from "./execute.js";

/** How long one change-feed wait lasts before it is renewed (it ends early on any change). */
const WATCH_WAIT_MS = 25_000;

export interface McpEndpointsOptions {
  store: Store;
  catalog: () => Catalog;
  /** The change feed: other processes' writes reach connected clients through it. */
  changes: ChangeFeed;
  /** Runs actions; defaults to the local execution engine on `store`. */
  execute?: ExecuteFn;
  log?: Logger;
  /** Legacy (2025-11-25) sessions kept at once, over every server (the host's limits policy). */
  maxSessions?: number;
  /** Verifies bearer tokens (shared with the REST key checks: one KDF queue). */
  keys: KeyChecker;
  /** Browser origins allowed besides loopback ones (e.g. https://app.example.com). */
  allowedOrigins?: readonly string[];
}

/** What is live for one Weavz MCP server: its dual-era endpoint and who can hear it. */
interface ServerState {
  /** The stored token form clients were admitted with: a new token or a deletion closes everything. */
  tokenHash: string;
  endpoint: DualEraEndpoint;
  /** Open 2026 listen streams and 2025 GET streams: the clients that can hear list_changed. */
  listening: number;
  /** The tools clients were last told about (notifications go out when it changes). */
  fingerprint: string | undefined;
}

/**
 * Serves every Weavz MCP server of the local API at its `mcpEndpoint` as a Streamable HTTP
 * MCP endpoint for both protocol eras, through the host's dual-era endpoint (src/host/): one
 * endpoint per MCP server, one bounded session table and one limits policy for all of them,
 * the same as the main MCP server's. This class adds what is the local API's: the origin
 * check (the host's originGuard), the server's `mcp_` token, and auto-sync: while any client can hear list_changed,
 * the change feed is watched and each server's tools are compared with what its clients last
 * saw; a difference notifies them at once.
 */
export class McpEndpoints {
  private readonly store: Store;
  private readonly changes: ChangeFeed;
  private readonly log: Logger;
  private readonly deps: EndpointDeps;
  private readonly sessions: SessionTable;
  private readonly limits: typeof DEFAULT_LIMITS;
  private readonly keys: KeyChecker;
  private readonly originAllowed: (req: IncomingMessage) => boolean;
  /** Unrecognised-token checks per client address (see SourceBudget). */
  private readonly budget = new SourceBudget();
  private readonly states = new Map<string, ServerState>();
  private watching = false;
  /** tools/list_changed passes per MCP server (a pass tells all of its clients). */
  private readonly toolPasses = new Map<string, number>();
  private watchAbort: AbortController | undefined;
  private closed = false;

  constructor(opts: McpEndpointsOptions) {
    this.store = opts.store;
    this.changes = opts.changes;
    this.log = opts.log ?? silentLogger;
    this.limits = {
      ...DEFAULT_LIMITS,
      maxSessions: opts.maxSessions ?? DEFAULT_LIMITS.maxSessions,
    };
    this.sessions = new SessionTable({
      max: this.limits.maxSessions,
      idleTimeoutMs: this.limits.idleTimeoutMs,
      evictableAfterMs: this.limits.evictableAfterMs,
    });
    this.keys = opts.keys;
    // Browsers send Origin; a page from another site must not drive a local endpoint (DNS
    // rebinding): the same rule as the main MCP server's.
    this.originAllowed = originGuard(opts.allowedOrigins ?? []);
    this.deps = {
      store: opts.store,
      surfaces: new ToolSurfaces(opts.store, opts.catalog),
      execute: opts.execute ?? storeExecutor(opts.store),
      log: this.log,
    };
  }

  /** Legacy sessions open now (introspection for tests). */
  get sessionCount(): number {
    return this.sessions.size;
  }

  /** True while the change feed is watched for connected clients (introspection for tests). */
  get isWatching(): boolean {
    return this.watching;
  }

  /**
   * How often `serverId`'s clients were told its tools changed (introspection for tests: it
   * is counted in the same pass that notifies, so it settles "was this server told?").
   */
  listChangedPasses(serverId: string): number {
    return this.toolPasses.get(serverId) ?? 0;
  }

  /**
   * Serves one HTTP request (body unread) to the endpoint of MCP server `serverId`; the
   * client's address is its budget of unrecognised-token checks.
   */
  async handle(req: IncomingMessage, res: ServerResponse, serverId: string): Promise<void> {
    if (this.closed) {
      rpcError(res, 503, -32000, "The local API is shutting down.");
      return;
    }
    if (!this.originAllowed(req)) {
      rpcError(res, 403, -32000, "Forbidden: the Origin header names another site.");
      return;
    }
    const auth = await authenticate(this.store, this.keys, serverId, webHeaders(req), {
      limits: this.budget,
      source: req.socket.remoteAddress ?? "unknown",
    });
    if (!auth.ok) {
      await sendWebResponse(res, auth.response);
      return;
    }
    await this.stateFor(serverId, auth.tokenHash).endpoint.handle(req, res);
  }

  /** Closes every session and subscription; the endpoints answer 503 afterwards. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.watchAbort?.abort();
    await Promise.all([...this.states.keys()].map((id) => this.teardown(id)));
    await this.sessions.closeAll();
  }

  private stateFor(serverId: string, tokenHash: string): ServerState {
    const existing = this.states.get(serverId);
    if (existing && existing.tokenHash === tokenHash) return existing;
    if (existing) void this.teardown(serverId);
    /** A client that can hear list_changed connected; the returned function says it left. */
    const hearing = () => {
      state.listening++;
      this.startWatching();
      return () => {
        state.listening--;
        this.stopWatchingIfIdle();
      };
    };
    const state: ServerState = {
      tokenHash,
      endpoint: createDualEraEndpoint({
        newServer: () => buildEndpointServer(this.deps, serverId),
        sessions: this.sessions,
        limits: this.limits,
        onListen: () => ({ stop: hearing() }),
        onStream: hearing,
        onerror: (err) => this.log.debug(`MCP endpoint ${serverId}: ${err.message}`),
      }),
      listening: 0,
      fingerprint: this.deps.surfaces.get(serverId)?.fingerprint,
    };
    this.states.set(serverId, state);
    return state;
  }

  private async teardown(serverId: string): Promise<void> {
    const state = this.states.get(serverId);
    if (!state) return;
    this.states.delete(serverId);
    this.toolPasses.delete(serverId);
    await state.endpoint.close();
    this.stopWatchingIfIdle();
  }

  private needsWatch(): boolean {
    if (this.closed) return false;
    for (const state of this.states.values()) if (state.listening > 0) return true;
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
        hash = this.store.mcpServers.tokenHash(id);
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
      this.toolPasses.set(id, (this.toolPasses.get(id) ?? 0) + 1);
      for (const s of state.endpoint.sessions()) {
        s.server.sendToolListChanged().catch(() => {
          // The session closed meanwhile: nothing to tell.
        });
      }
      state.endpoint.notify.toolsChanged();
    }
  }
}
