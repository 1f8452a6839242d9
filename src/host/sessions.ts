import type { NodeStreamableHTTPServerTransport } from "@modelcontextprotocol/node";
import type { Server } from "@modelcontextprotocol/server";

/** One 2025-era HTTP session: its SDK Server and transport, and how busy it is. */
export interface Session {
  transport: NodeStreamableHTTPServerTransport;
  server: Server;
  lastSeen: number;
  /** Requests and GET streams open right now; a session in use is never evicted. */
  active: number;
  /** Who opened it (from the authentication hook); only they may use it. */
  owner: unknown;
  /** The endpoint it belongs to: one table bounds the sessions of several endpoints. */
  endpoint: object;
}

/** Limits of the session table. */
export interface SessionLimits {
  /** Most sessions held at once. */
  max: number;
  /** Sessions unused this long are closed by the sweep. */
  idleTimeoutMs: number;
  /** At the cap, a session unused this long may be closed to make room for a new one. */
  evictableAfterMs: number;
}

/**
 * The 2025-era session table, bounded: at the cap a new session takes the place of the
 * longest-unused one that has nothing open and has been quiet for a while; when every session
 * is in use the caller answers 503. A sweep, running while any session is held, closes
 * sessions left idle.
 */
export class SessionTable {
  private readonly sessions = new Map<string, Session>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(readonly limits: SessionLimits) {}

  get size(): number {
    return this.sessions.size;
  }

  get(id: string): Session | undefined {
    return this.sessions.get(id);
  }

  add(id: string, session: Session): void {
    this.sessions.set(id, session);
    if (!this.sweeper) {
      const every = Math.min(60_000, Math.max(1000, Math.floor(this.limits.idleTimeoutMs / 2)));
      this.sweeper = setInterval(() => this.sweep(), every);
      this.sweeper.unref();
    }
  }

  delete(id: string): void {
    this.sessions.delete(id);
    if (this.sessions.size === 0) this.stopSweep();
  }

  /** The sessions of one endpoint. */
  *of(endpoint: object): Iterable<Session> {
    for (const s of this.sessions.values()) if (s.endpoint === endpoint) yield s;
  }

  /** Marks a request or stream of this session open until `res` closes. */
  use(session: Session, res: { once(event: "close", fn: () => void): unknown }): void {
    session.lastSeen = Date.now();
    session.active++;
    res.once("close", () => {
      session.active--;
      session.lastSeen = Date.now();
    });
  }

  /** Makes room for one more session; false when every session is in use. */
  async makeRoom(): Promise<boolean> {
    if (this.sessions.size < this.limits.max) return true;
    const cutoff = Date.now() - this.limits.evictableAfterMs;
    let victim: [string, Session] | undefined;
    for (const entry of this.sessions) {
      const s = entry[1];
      if (s.active > 0 || s.lastSeen > cutoff) continue;
      if (!victim || s.lastSeen < victim[1].lastSeen) victim = entry;
    }
    if (!victim) return false;
    await this.close(victim[0]);
    return true;
  }

  async close(id: string): Promise<void> {
    const s = this.sessions.get(id);
    if (!s) return;
    this.delete(id);
    await s.transport.close().catch(() => {});
    await s.server.close().catch(() => {});
  }

  /** Closes sessions unused for longer than the idle timeout. */
  sweep(): void {
    const cutoff = Date.now() - this.limits.idleTimeoutMs;
    for (const [id, s] of this.sessions) {
      if (s.active === 0 && s.lastSeen < cutoff) void this.close(id);
    }
  }

  /** Closes the sessions whose owner matches; resolves to how many. */
  async closeWhere(match: (owner: unknown) => boolean): Promise<number> {
    const ids = [...this.sessions].filter(([, s]) => match(s.owner)).map(([id]) => id);
    await Promise.all(ids.map((id) => this.close(id)));
    return ids.length;
  }

  /** Closes every session (of one endpoint, when given). */
  async closeAll(endpoint?: object): Promise<void> {
    const ids = [...this.sessions].filter(([, s]) => !endpoint || s.endpoint === endpoint);
    await Promise.all(ids.map(([id]) => this.close(id)));
    if (!endpoint) this.stopSweep();
  }

  private stopSweep(): void {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }
}
