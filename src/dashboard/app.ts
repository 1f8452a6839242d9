import { userInfo } from "node:os";
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { secureHeaders } from "hono/secure-headers";
import type { WeavzApi } from "../api/types.js";
import type { ChangeJournal } from "../domain/journal.js";
import type { Logger } from "../log.js";
import type { ResourceHub } from "../mcp/resources/hub.js";
import { scopedApi, workspaceAllowed } from "../mcp/scope.js";
import {
  type AccessMode,
  LOGIN_COOKIE,
  newLoginNonce,
  SESSION_COOKIE,
  SESSION_TTL_MS,
  type Session,
  Sessions,
  sameSecret,
} from "./access.js";
import { SCRIPT, STYLES } from "./assets.js";
import { DashboardData } from "./data.js";
import { type DashboardEnv, formField, refuse, requireSession, sameOrigin } from "./guard.js";
import { historyRoutes } from "./history-routes.js";
import { serveEvents } from "./live.js";
import { failureResponse, renderPage, viewerOf } from "./render.js";
import { integrationsPage } from "./views/integrations.js";
import { type Html, messagePage, type Page } from "./views/layout.js";
import { linkNeededPage, loginPage } from "./views/login.js";
import { picturePage } from "./views/picture.js";
import { serversPage } from "./views/servers.js";
import { workspacesPage } from "./views/workspaces.js";

/** What the dashboard is built from. */
export interface DashboardOptions {
  /** The backend, unscoped: each session sees it through its own workspace limit. */
  api: WeavzApi;
  /** The change feed the live updates follow (the MCP server's own, in HTTP mode). */
  hub: ResourceHub;
  access: AccessMode;
  log: Logger;
  /** One line on the workspaces page: which backend this is. */
  backendLabel: () => string;
  /** Who keeps the change journal (the history page words its scope by it). */
  historyKind: () => ChangeJournal["kind"];
  /** Set the cookie's Secure flag (the dashboard is reached over https, e.g. behind a proxy). */
  secureCookies?: boolean;
}

/** The dashboard: a Hono app, its sessions, and the one-time login link. */
export interface Dashboard {
  app: Hono<DashboardEnv>;
  sessions: Sessions;
  access: AccessMode;
  /**
   * The URL to print for `origin` (e.g. http://127.0.0.1:3333): with a fresh one-time token in
   * link mode, the login form's in bearer mode, undefined when off.
   */
  loginUrl(origin: string): string | undefined;
  /**
   * Reads the workspaces and the catalog's names once in the background, so the person opening
   * the printed link does not wait for the first use of the API client's code paths (measured:
   * about 0.7 s of a 1.4 s cold first load on a loaded machine).
   */
  warm(): void;
}

/** Builds the dashboard app: pages, live events, login and logout. */
export function createDashboard(opts: DashboardOptions): Dashboard {
  const { access, log } = opts;
  const sessions = new Sessions();
  const data = new DashboardData(opts.api);
  const app = new Hono<DashboardEnv>({ strict: false });
  const cookieBase = {
    httpOnly: true,
    sameSite: "Strict" as const,
    path: "/",
    secure: opts.secureCookies === true,
  };

  app.use(
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", "data:"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
      // Not no-referrer: under it Chrome sends "Origin: null" with form POSTs, which the Origin
      // check must refuse. same-origin sends nothing to other sites.
      referrerPolicy: "same-origin",
      crossOriginResourcePolicy: "same-origin",
      // Loopback serves plain http; an https front end sets its own.
      strictTransportSecurity: false,
    }),
  );
  app.use(bodyLimit({ maxSize: 64 * 1024 }));

  app.get("/assets/dashboard.js", (c) => asset(c, SCRIPT, "text/javascript; charset=utf-8"));
  app.get("/assets/dashboard.css", (c) => asset(c, STYLES, "text/css; charset=utf-8"));

  // The printed link: /?token=… signs this browser in once, then drops the token from the URL.
  app.get("/", async (c, next) => {
    const token = c.req.query("token");
    if (token === undefined || access.kind !== "link") return next();
    if (!sessions.redeemLoginToken(token)) {
      // Already signed in (a reload of the link): no harm, go on.
      if (sessions.get(getCookie(c, SESSION_COOKIE))) return c.redirect("/", 303);
      return c.html(linkNeededPage(true), 401);
    }
    const user = localUser();
    startSession(
      c,
      sessions.create(user ? `${user} (login link)` : "login link", undefined, {
        kind: "cli",
        label: user,
      }),
    );
    return c.redirect("/", 303);
  });

  app.get("/login", (c) => {
    if (access.kind !== "bearer") return c.redirect("/", 303);
    const nonce = newLoginNonce();
    setCookie(c, LOGIN_COOKIE, nonce, { ...cookieBase, path: "/login", maxAge: 600 });
    return c.html(loginPage(nonce));
  });

  app.post("/login", async (c) => {
    if (access.kind !== "bearer") return c.redirect("/", 303);
    if (!sameOrigin(c))
      return refuse(
        c,
        403,
        "FOREIGN_ORIGIN",
        "Refused: the login form must be sent from this dashboard.",
      );
    const nonce = getCookie(c, LOGIN_COOKIE);
    const sent = await formField(c, "_login");
    if (!nonce || !sent || !sameSecret(nonce, sent)) {
      return refuse(c, 403, "BAD_CSRF_TOKEN", "Refused: the login form is stale; reload it.");
    }
    const token = (await formField(c, "token"))?.trim() ?? "";
    const who = token ? await access.verify(token) : undefined;
    if (!who) {
      log.info("dashboard: login refused (token not accepted)");
      const fresh = newLoginNonce();
      setCookie(c, LOGIN_COOKIE, fresh, { ...cookieBase, path: "/login", maxAge: 600 });
      return c.html(loginPage(fresh, "That token is not accepted by this server."), 401);
    }
    deleteCookie(c, LOGIN_COOKIE, { path: "/login" });
    startSession(
      c,
      sessions.create(who.principal, who.scope, { kind: "bearer", label: who.label }),
    );
    log.info(`dashboard: ${who.principal} logged in`);
    return c.redirect("/", 303);
  });

  // Everything below needs a session; state-changing requests also Origin and CSRF.
  app.use("*", requireSession(access, sessions));

  app.post("/logout", (c) => {
    sessions.end(c.get("session").id);
    deleteCookie(c, SESSION_COOKIE, { path: "/" });
    return c.redirect(access.kind === "bearer" ? "/login" : "/", 303);
  });

  app.get("/events", (c) => {
    const ws = c.req.query("workspace");
    if (ws !== undefined && !workspaceAllowed(c.get("session").scope, ws))
      return refuse(c, 403, "SCOPE_DENIED", "This login may not see that workspace.");
    return serveEvents(c, opts.hub, ws);
  });

  app.get("/", (c) =>
    page(c, async (api) =>
      workspacesPage(await data.workspaces(api, c.req.raw.signal), opts.backendLabel()),
    ),
  );
  app.get("/workspaces/:ws", (c) =>
    page(c, async (api) =>
      integrationsPage(
        await data.workspace(api, c.req.param("ws"), c.req.raw.signal),
        c.req.query("q") ?? "",
      ),
    ),
  );
  app.get("/workspaces/:ws/servers", (c) =>
    page(c, async (api) =>
      serversPage(await data.workspace(api, c.req.param("ws"), c.req.raw.signal)),
    ),
  );
  app.get("/workspaces/:ws/picture", (c) =>
    page(c, async (api) =>
      picturePage(await data.workspace(api, c.req.param("ws"), c.req.raw.signal)),
    ),
  );

  historyRoutes(app, { api: opts.api, hub: opts.hub, log, historyKind: opts.historyKind });

  app.notFound((c) =>
    c.html(messagePage("Not found", "No such dashboard page.", viewerOf(c)), 404),
  );

  /** Sets the session cookie (HttpOnly, SameSite=Strict). */
  function startSession(c: Context, s: Session): void {
    setCookie(c, SESSION_COOKIE, s.id, {
      ...cookieBase,
      maxAge: Math.floor(SESSION_TTL_MS / 1000),
    });
  }

  /** Renders a page through the session's view of the API (its workspace limit). */
  async function page(
    c: Context<DashboardEnv>,
    build: (api: WeavzApi) => Promise<Page>,
  ): Promise<Response> {
    const api = scopedApi(opts.api, c.get("session").scope);
    try {
      return await renderPage(c, await build(api));
    } catch (err) {
      return failureResponse(c, err, log);
    }
  }

  return {
    app,
    sessions,
    access,
    warm() {
      if (access.kind === "off") return;
      data.warm();
      void data.workspaces(opts.api).catch(() => {});
    },
    loginUrl(origin) {
      if (access.kind === "off") return undefined;
      if (access.kind === "bearer") return `${origin}/login`;
      return `${origin}/?token=${sessions.newLoginToken()}`;
    },
  };
}

/** A static asset: versioned URLs, so it may be kept for good. */
function asset(c: Context, body: string, type: string): Response {
  return c.body(body, 200, {
    "content-type": type,
    "cache-control": "public, max-age=31536000, immutable",
  });
}

/** Who opened the printed link: the person at this machine (their OS user name). */
function localUser(): string | null {
  try {
    return userInfo().username || null;
  } catch {
    return null;
  }
}

export type { Html };
