import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import {
  type AccessMode,
  SESSION_COOKIE,
  type Session,
  type Sessions,
  sameSecret,
} from "./access.js";
import { linkNeededPage, offPage } from "./views/login.js";

/** What the routes find on the context once the guard let a request through. */
export interface DashboardEnv {
  Variables: { session: Session };
}

/** Methods that change nothing: no Origin or CSRF check (they are still logged-in only). */
const SAFE = new Set(["GET", "HEAD"]);

/**
 * Whether a request's Origin is this dashboard itself. Browsers send Origin with every POST; a
 * page on another site (or another local app on another port) has its own and is refused. The
 * Host header was already checked against DNS rebinding by the HTTP front door.
 */
export function sameOrigin(c: Context): boolean {
  const origin = c.req.header("origin");
  const host = c.req.header("host");
  if (!origin || !host) return false;
  return origin === `http://${host}` || origin === `https://${host}`;
}

/** A refusal as a small JSON body (the script and tests read `code`). */
export const refuse = (c: Context, status: 401 | 403, code: string, error: string) =>
  c.json({ error, code }, status, { "cache-control": "no-store" });

/**
 * The dashboard's front door, before every route but the assets and the login form:
 * - off: the reason, on every page;
 * - no session: the login form (bearer) or how to get a login link (link mode);
 * - a state-changing request: its Origin must be this dashboard and it must carry the
 *   session's CSRF token (form field `_csrf` or header `x-csrf-token`).
 */
export function requireSession(
  access: AccessMode,
  sessions: Sessions,
): MiddlewareHandler<DashboardEnv> {
  return async (c, next) => {
    if (access.kind === "off") return c.html(offPage(access.reason), 503);
    const session = sessions.get(getCookie(c, SESSION_COOKIE));
    if (!session) {
      if (c.req.path === "/events" || !SAFE.has(c.req.method)) {
        return refuse(c, 401, "NOT_LOGGED_IN", "Log in to the dashboard first.");
      }
      if (access.kind === "bearer") return c.redirect("/login", 303);
      return c.html(linkNeededPage(false), 401);
    }
    if (!SAFE.has(c.req.method)) {
      if (!sameOrigin(c)) {
        return refuse(
          c,
          403,
          "FOREIGN_ORIGIN",
          "Refused: the request does not come from this dashboard (Origin).",
        );
      }
      const sent = c.req.header("x-csrf-token") ?? (await formField(c, "_csrf"));
      if (!sent || !sameSecret(sent, session.csrf)) {
        return refuse(
          c,
          403,
          "BAD_CSRF_TOKEN",
          "Refused: the form is stale or forged (CSRF token); reload the page.",
        );
      }
    }
    c.set("session", session);
    await next();
  };
}

/** One field of a urlencoded or multipart body (parsed once; Hono caches it). */
export async function formField(c: Context, name: string): Promise<string | undefined> {
  const type = c.req.header("content-type") ?? "";
  if (!type.includes("application/x-www-form-urlencoded") && !type.includes("multipart/form-data"))
    return undefined;
  try {
    const body = await c.req.parseBody();
    const v = body[name];
    return typeof v === "string" ? v : undefined;
  } catch {
    return undefined;
  }
}
