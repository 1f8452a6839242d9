import { DEFAULT_TOOLSETS, parseToolsets, type ToolsetName } from "../../toolsets.js";
import { type DefaultContext, option, unset } from "../option-spec.js";
import {
  bool,
  ConfigError,
  checked,
  list,
  mapped,
  oneOf,
  type Parser,
  text,
  url,
  wholeNumber,
} from "../parsers.js";

/** Options of the MCP server: what it serves, where it listens, who may call it. */

export const DEFAULT_MCP_PORT = 3333;
export const DEFAULT_LOCAL_API_PORT = 8787;
export const DEFAULT_DASHBOARD_PORT = 3334;

export const AUTH_MODES = ["none", "bearer", "oauth"] as const;
/** HTTP authentication: none, static bearer tokens from a file, or OAuth 2.1 JWT access tokens. */
export type AuthMode = (typeof AUTH_MODES)[number];

/** Toolset names, checked against the list the MCP registry uses. */
const toolsets: Parser<ToolsetName[]> = (raw, source) => {
  try {
    return parseToolsets(raw);
  } catch (err) {
    throw new ConfigError(`${source} ${(err as Error).message}.`);
  }
};

/**
 * A tokens file or an issuer alone says which mode is meant: forgetting --auth must not
 * leave a server that was meant to be protected open. (Both without --auth: see RULES.)
 */
function impliedAuthMode({ given }: DefaultContext): AuthMode {
  const file = given("tokens-file") !== undefined;
  const issuer = given("oauth-issuer") !== undefined;
  return file && !issuer ? "bearer" : issuer && !file ? "oauth" : "none";
}

export const MCP_OPTIONS = [
  option({
    flag: "transport",
    env: "WEAVZ_TRANSPORT",
    group: "mcp",
    key: "transport",
    type: "string",
    default: "stdio",
    description: "MCP transport: stdio or http (Streamable HTTP at /mcp).",
    commands: ["mcp"],
    parse: oneOf(["stdio", "http"]),
    fallback: () => "stdio" as const,
  }),
  option({
    flag: "read-only",
    env: "WEAVZ_READ_ONLY",
    group: "mcp",
    key: "readOnly",
    type: "boolean",
    default: "false",
    description: "Expose only tools that do not change anything.",
    commands: ["mcp"],
    parse: bool,
    fallback: () => false,
  }),
  option({
    flag: "result-links",
    env: "WEAVZ_RESULT_LINKS",
    group: "mcp",
    key: "resultLinks",
    type: "string",
    default: "true",
    description:
      "Attach resource_link blocks to tool results; false leaves them out (LangChain's MCP adapters, see README).",
    commands: ["mcp"],
    parse: bool,
    fallback: () => true,
  }),
  option({
    flag: "apps",
    env: "WEAVZ_APPS",
    group: "mcp",
    key: "apps",
    type: "string",
    default: "true",
    description:
      "Show plan reviews and the workspace overview as in-chat views (MCP Apps) in clients that render them; false turns them off.",
    commands: ["mcp"],
    parse: bool,
    fallback: () => true,
  }),
  option({
    flag: "toolsets",
    env: "WEAVZ_TOOLSETS",
    group: "mcp",
    key: "toolsets",
    type: "string",
    default: DEFAULT_TOOLSETS.join(","),
    description:
      "Comma-separated toolsets to expose: integrations, catalog, connections, mcp-servers, plan, execute, history; all; default.",
    commands: ["mcp"],
    parse: toolsets,
    fallback: () => [...DEFAULT_TOOLSETS],
  }),
  option({
    flag: "poll-interval-ms",
    env: "WEAVZ_POLL_INTERVAL_MS",
    group: "mcp",
    key: "pollIntervalMs",
    type: "string",
    default: "2000",
    description:
      "While a resource is watched, how often an API without a change feed (the hosted API) is re-read at first (100-60000); doubles while nothing changes, up to 30 s.",
    commands: ["mcp", "dashboard"],
    parse: wholeNumber(100, 60_000, { unit: "milliseconds" }),
    fallback: () => 2000,
  }),
] as const;

export const HTTP_OPTIONS = [
  option({
    flag: "host",
    env: "WEAVZ_HOST",
    group: "http",
    key: "host",
    type: "string",
    default: "127.0.0.1",
    description: "Interface to bind (http transport and local-api).",
    commands: ["mcp", "local-api"],
    parse: text,
    fallback: () => "127.0.0.1",
  }),
  option({
    flag: "port",
    env: "WEAVZ_PORT",
    group: "http",
    key: "port",
    type: "string",
    default: "3333 (mcp) / 8787 (local-api) / 3334 (dashboard)",
    description: "Port to bind; 0 picks a free one.",
    commands: ["mcp", "local-api", "dashboard"],
    parse: wholeNumber(0, 65535, { describe: "a port number 0-65535" }),
    fallback: ({ command }) =>
      command === "local-api"
        ? DEFAULT_LOCAL_API_PORT
        : command === "dashboard"
          ? DEFAULT_DASHBOARD_PORT
          : DEFAULT_MCP_PORT,
  }),
  option({
    flag: "allowed-origins",
    env: "WEAVZ_ALLOWED_ORIGINS",
    group: "http",
    key: "allowedOrigins",
    type: "string",
    default: "(loopback only)",
    description: "Comma-separated extra Origin values the HTTP transport accepts.",
    commands: ["mcp"],
    parse: list(
      ",",
      checked(url({ schemes: "any", kind: "origins like", example: "https://app.example.com" })),
    ),
    fallback: (): string[] => [],
  }),
  option({
    flag: "max-sessions",
    env: "WEAVZ_MAX_SESSIONS",
    group: "http",
    key: "maxSessions",
    type: "string",
    default: "1000",
    description:
      "Most HTTP sessions (2025-11-25 clients) held at once (1-100000); beyond it idle ones are closed, else 503.",
    commands: ["mcp"],
    parse: wholeNumber(1, 100_000),
    fallback: () => 1000,
  }),
  option({
    flag: "public-url",
    env: "WEAVZ_PUBLIC_URL",
    group: "http",
    key: "publicUrl",
    type: "string",
    default: "(the listening URL)",
    description:
      "URL of the /mcp endpoint as clients reach it (e.g. behind a TLS proxy); the OAuth resource identifier (token audience).",
    commands: ["mcp"],
    parse: mapped(url({ example: "https://mcp.example.com/mcp" }), (u) => u.href),
    fallback: unset,
  }),
  option({
    flag: "no-dashboard",
    env: "WEAVZ_NO_DASHBOARD",
    group: "http",
    key: "dashboard",
    type: "boolean",
    default: "false",
    description:
      "--transport http: do not serve the dashboard at / (see Dashboard). stdio users run `weavz-mcp dashboard` instead.",
    commands: ["mcp"],
    parse: mapped(bool, (noDashboard) => !noDashboard),
    fallback: () => true,
  }),
] as const;

export const AUTH_OPTIONS = [
  option({
    flag: "auth",
    env: "WEAVZ_AUTH",
    group: "auth",
    key: "mode",
    type: "string",
    default: "none; bearer with a tokens file, oauth with an issuer",
    description:
      "HTTP client authentication: none, bearer (tokens file) or oauth (JWT access tokens). A non-loopback --host needs bearer or oauth.",
    commands: ["mcp"],
    parse: oneOf(AUTH_MODES),
    fallback: impliedAuthMode,
  }),
  option({
    flag: "insecure-no-auth",
    env: "WEAVZ_INSECURE_NO_AUTH",
    group: "auth",
    key: "insecureNoAuth",
    type: "boolean",
    default: "false",
    description:
      "Allow --auth none on a non-loopback --host (only behind a proxy that authenticates).",
    commands: ["mcp"],
    parse: bool,
    fallback: () => false,
  }),
  option({
    flag: "tokens-file",
    env: "WEAVZ_MCP_TOKENS_FILE",
    group: "auth",
    key: "tokensFile",
    type: "string",
    default: "(none)",
    description:
      "--auth bearer: file of accepted tokens, one a line (`TOKEN` or `sha256:HEX`, optional `workspaces=ID,ID`, `name=NAME` and `label=LABEL` for the change journal).",
    commands: ["mcp"],
    parse: text,
    fallback: unset,
  }),
  option({
    flag: "oauth-issuer",
    env: "WEAVZ_OAUTH_ISSUER",
    group: "auth",
    key: "oauthIssuer",
    type: "string",
    default: "(none)",
    description: "--auth oauth: the authorization server's issuer URL (checked against `iss`).",
    commands: ["mcp"],
    parse: checked(url({ example: "https://auth.example.com" })),
    fallback: unset,
  }),
  option({
    flag: "oauth-jwks-url",
    env: "WEAVZ_OAUTH_JWKS_URL",
    group: "auth",
    key: "oauthJwksUrl",
    type: "string",
    default: "(from the issuer's metadata)",
    description: "--auth oauth: URL of the issuer's JSON Web Key Set.",
    commands: ["mcp"],
    parse: mapped(
      url({ example: "https://auth.example.com/.well-known/jwks.json" }),
      (u) => u.href,
    ),
    fallback: unset,
  }),
  option({
    flag: "oauth-scopes",
    env: "WEAVZ_OAUTH_SCOPES",
    group: "auth",
    key: "oauthScopes",
    type: "string",
    default: "(none)",
    description:
      "--auth oauth: space- or comma-separated scopes every access token must carry (else 403 insufficient_scope).",
    commands: ["mcp"],
    parse: list(/[\s,]+/),
    fallback: (): string[] => [],
  }),
] as const;

/**
 * Env-only switches, deliberately not options (no flag, not in --help or the README):
 * WEAVZ_CONFORMANCE_FIXTURES=1 also serves the conformance suite's fixture tools; only
 * scripts/conformance.mjs sets it.
 */
export const ENV_ONLY = [
  option({
    flag: "",
    env: "WEAVZ_CONFORMANCE_FIXTURES",
    group: "mcp",
    key: "conformanceFixtures",
    type: "boolean",
    default: "false",
    description: "Serve the conformance fixture tools (scripts/conformance.mjs only).",
    commands: ["mcp"],
    parse: bool,
    fallback: () => false,
  }),
] as const;
