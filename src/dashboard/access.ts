import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { WorkspaceScope } from "../mcp/scope.js";

/**
 * How people get into the dashboard:
 * - `link`: loopback only. A one-time login token in the printed URL sets the session cookie
 *   (the convention notebook servers use): whoever can read the server's output is its owner.
 * - `bearer`: a small form takes one of the configured bearer tokens; that token's workspace
 *   limit applies to everything the session sees and undoes.
 * - `off`: no safe way to log in (OAuth alone, or no authentication beyond loopback); the
 *   dashboard answers every page with the reason.
 */
export type AccessMode =
  | { kind: "link" }
  | { kind: "bearer"; verify: BearerCheck }
  | { kind: "off"; reason: string };

/** Checks a bearer token as the MCP endpoint would: who it is and its limit, or undefined. */
export type BearerCheck = (
  token: string,
) => Promise<{ principal: string; label: string | null; scope: WorkspaceScope } | undefined>;

/** How the change journal records a session's undos: a bearer token's label, or the local user. */
export interface SessionActor {
  kind: "bearer" | "cli";
  label: string | null;
}

/** One logged-in browser. */
export interface Session {
  /** The cookie's value (random, 256 bits). */
  readonly id: string;
  /** Sent back with every state-changing request (form field or header). */
  readonly csrf: string;
  /** Who logged in, for the page header and the change journal. */
  readonly principal: string;
  /** The workspaces this session may see and change; undefined means all. */
  readonly scope: WorkspaceScope;
  /** Principal kind and label recorded with this session's undos. */
  readonly kind: SessionActor["kind"];
  readonly label: string | null;
  expiresAt: number;
}

/** The session cookie's name. */
export const SESSION_COOKIE = "weavz_dashboard";
/** The pre-login cookie that pairs the login form with its POST (login CSRF). */
export const LOGIN_COOKIE = "weavz_dashboard_login";
/** A session unused this long ends. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
/** Most sessions held; the one closest to expiry goes first. */
const MAX_SESSIONS = 1000;

const random = () => randomBytes(32).toString("base64url");
const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();

/** Equal strings, compared in constant time (through digests of equal length). */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/**
 * The dashboard's sessions and its one-time login link, in this process's memory (a restart
 * logs everybody out; replicas behind a balancer need sticky sessions for the dashboard).
 */
export class Sessions {
  private readonly sessions = new Map<string, Session>();
  /** Digest of the unused login token, if any. */
  private loginDigest: Buffer | undefined;

  constructor(private readonly ttlMs = SESSION_TTL_MS) {}

  /** A new one-time login token (the previous one stops working). */
  newLoginToken(): string {
    const token = random();
    this.loginDigest = digest(token);
    return token;
  }

  /** Whether `token` is the unused login token; if so it is used up. */
  redeemLoginToken(token: string): boolean {
    const expected = this.loginDigest;
    if (!expected || !timingSafeEqual(digest(token), expected)) return false;
    this.loginDigest = undefined;
    return true;
  }

  /** Starts a session for a principal and its workspace limit. */
  create(principal: string, scope: WorkspaceScope, actor: SessionActor): Session {
    if (this.sessions.size >= MAX_SESSIONS) this.evictOne();
    const session: Session = {
      id: random(),
      csrf: random(),
      principal,
      scope,
      kind: actor.kind,
      label: actor.label,
      expiresAt: Date.now() + this.ttlMs,
    };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session with this cookie value (its lifetime renewed), or undefined. */
  get(id: string | undefined): Session | undefined {
    if (!id) return undefined;
    const s = this.sessions.get(id);
    if (!s) return undefined;
    const now = Date.now();
    if (s.expiresAt <= now) {
      this.sessions.delete(id);
      return undefined;
    }
    s.expiresAt = now + this.ttlMs;
    return s;
  }

  end(id: string): void {
    this.sessions.delete(id);
  }

  get size(): number {
    return this.sessions.size;
  }

  private evictOne(): void {
    let oldest: Session | undefined;
    for (const s of this.sessions.values()) {
      if (!oldest || s.expiresAt < oldest.expiresAt) oldest = s;
    }
    if (oldest) this.sessions.delete(oldest.id);
  }
}

/** A fresh random value for the login form's pairing cookie. */
export const newLoginNonce = random;
