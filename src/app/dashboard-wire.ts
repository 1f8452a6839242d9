import type { WeavzApi } from "../api/types.js";
import type { AccessMode, BearerCheck } from "../dashboard/access.js";
import { createDashboard, type Dashboard } from "../dashboard/app.js";
import type { ChangeJournal } from "../domain/journal.js";
import type { Logger } from "../log.js";
import { PRINCIPAL_AUTH_KEY } from "../mcp/actor.js";
import type { ResourceHub } from "../mcp/resources/hub.js";
import { scopeOf } from "../mcp/scope.js";
import type { AuthGate } from "../transports/auth/index.js";
import type { Backend } from "./backend.js";
import { type Config, isLoopbackHost } from "./config.js";

/**
 * How the HTTP mode's dashboard is entered, from the configuration: loopback without
 * authentication gets the one-time link; bearer tokens get the login form (each token's
 * workspace limit applies); OAuth alone, or no authentication beyond loopback, turns it off.
 */
export function httpAccess(config: Config, gate: AuthGate | undefined): AccessMode {
  if (!config.http.dashboard)
    return { kind: "off", reason: "It was turned off with --no-dashboard (WEAVZ_NO_DASHBOARD)." };
  if (config.auth.mode === "oauth") {
    return {
      kind: "off",
      reason:
        "This server authenticates MCP clients with OAuth only, and the dashboard has no OAuth sign-in. Serve with --auth bearer (the dashboard then takes one of the tokens), or run `weavz-mcp dashboard` on the server itself (loopback).",
    };
  }
  if (config.auth.mode === "bearer" && gate) return { kind: "bearer", verify: bearerCheck(gate) };
  if (isLoopbackHost(config.http.host)) return { kind: "link" };
  return {
    kind: "off",
    reason:
      "This server listens beyond loopback without authentication (--insecure-no-auth), so the dashboard would have no safe sign-in. Serve with --auth bearer, or run `weavz-mcp dashboard` on the server itself (loopback).",
  };
}

/**
 * A token checked exactly as the MCP endpoint checks it (the same gate), so the dashboard
 * accepts the same tokens, and a reloaded tokens file applies to both at once.
 */
function bearerCheck(gate: AuthGate): BearerCheck {
  return async (token) => {
    if (!/^[\x21-\x7e]+$/.test(token)) return undefined;
    const outcome = await gate.check(
      new Request("http://localhost/mcp", { headers: { authorization: `Bearer ${token}` } }),
    );
    if (outcome instanceof Response) return undefined;
    const info = outcome.authInfo;
    // The label the change journal records for this token (its tokens-file label).
    const recorded = info.extra?.[PRINCIPAL_AUTH_KEY] as { label?: unknown } | undefined;
    const label = typeof recorded?.label === "string" ? recorded.label : info.clientId || null;
    return { principal: label ?? "bearer token", label, scope: scopeOf(info) };
  };
}

/** One line saying which backend the dashboard reads. */
export function backendLabel(backend: Backend | undefined, config: Config): string {
  if (!backend) return "Backend starting…";
  return backend.kind === "embedded"
    ? `Embedded local Weavz API, database ${config.local.db}. Changes by any process on this database show up live.`
    : `Weavz API at ${config.api.baseUrl}. Changes made elsewhere show up within the polling interval.`;
}

/** Who keeps the change journal: the local API records every write; hosted mode, this server. */
export function historyKind(backend: Backend | undefined): ChangeJournal["kind"] {
  return backend?.historyKind ?? "local-api";
}

/** The HTTP mode's dashboard, on the MCP server's own API and change hub. */
export function httpDashboard(opts: {
  config: Config;
  gate: AuthGate | undefined;
  api: WeavzApi;
  hub: ResourceHub;
  backendReady: Promise<Backend>;
  log: Logger;
}): Dashboard {
  let backend: Backend | undefined;
  void opts.backendReady.then(
    (b) => {
      backend = b;
    },
    () => {},
  );
  const dashboard = createDashboard({
    api: opts.api,
    hub: opts.hub,
    access: httpAccess(opts.config, opts.gate),
    log: opts.log,
    backendLabel: () => backendLabel(backend, opts.config),
    historyKind: () => historyKind(backend),
    secureCookies: opts.config.http.publicUrl?.startsWith("https:") === true,
  });
  void opts.backendReady.then(
    () => dashboard.warm(),
    () => {},
  );
  return dashboard;
}
