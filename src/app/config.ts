import { homedir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { type HttpAllowEntry, parseHttpAllow } from "../local/execute/http-allow.js";
import { DEFAULT_TOOLSETS, parseToolsets, type ToolsetName } from "../mcp/toolsets.js";

export const DEFAULT_BASE_URL = "https://api.weavz.io";
export const DEFAULT_MCP_PORT = 3333;
export const DEFAULT_LOCAL_API_PORT = 8787;
export const DEFAULT_DASHBOARD_PORT = 3334;

export type Command =
  | "mcp"
  | "local-api"
  | "dashboard"
  | "export"
  | "plan"
  | "apply"
  | "history"
  | "undo"
  | "help"
  | "version";

/**
 * The GitOps commands, and history/undo: they read or change one workspace through the same
 * backend as `mcp`.
 */
const PLAN_COMMANDS = ["export", "plan", "apply", "history", "undo"] as const;
export type PlanCommand = (typeof PLAN_COMMANDS)[number];
/** Whether a command name (a parsed one, or argv's first word) is one of the GitOps commands. */
export function isPlanCommand(name: string | undefined): name is PlanCommand {
  return (PLAN_COMMANDS as readonly (string | undefined)[]).includes(name);
}
const BACKEND_COMMANDS: Command[] = ["mcp", "dashboard", ...PLAN_COMMANDS];

/** Shortest state secret accepted: 32 characters (e.g. `openssl rand -base64 32` gives 44). */
export const STATE_SECRET_MIN_CHARS = 32;
/** The one rule for a state secret, given by value (here) or in a file (scale/state-secret). */
export function isUsableStateSecret(secret: string): boolean {
  return secret.length >= STATE_SECRET_MIN_CHARS && !/\s/.test(secret);
}

export const AUTH_MODES = ["none", "bearer", "oauth"] as const;
/** HTTP authentication: none, static bearer tokens from a file, or OAuth 2.1 JWT access tokens. */
export type AuthMode = (typeof AUTH_MODES)[number];

/** Validated, frozen configuration for one run of the CLI. */
export interface Config {
  readonly command: Command;
  readonly transport: "stdio" | "http";
  readonly host: string;
  readonly port: number;
  /** Hosted API key; absent means the embedded local API (for `mcp`), or the key to accept (for `local-api`). */
  readonly apiKey: string | undefined;
  readonly baseUrl: string;
  readonly workspaceId: string | undefined;
  readonly localDb: string;
  readonly demo: boolean;
  readonly timeoutMs: number;
  readonly readOnly: boolean;
  /** Attach resource_link blocks to tool results. */
  readonly resultLinks: boolean;
  /** Link tools to the in-chat views (MCP Apps) for clients that render them. */
  readonly apps: boolean;
  /** Toolsets whose tools the MCP server exposes, in registry order. */
  readonly toolsets: readonly ToolsetName[];
  readonly allowedOrigins: readonly string[];
  /** Private destinations the http built-in may reach anyway (local API). */
  readonly httpAllow: readonly HttpAllowEntry[];
  /** Most 2025-era HTTP sessions held at once (idle ones are evicted first, then 503). */
  readonly maxSessions: number;
  /** How HTTP clients authenticate (http transport only). */
  readonly auth: AuthMode;
  /** Serve without authentication on a non-loopback interface (an authenticating proxy in front). */
  readonly insecureNoAuth: boolean;
  /** Bearer mode: the tokens file. */
  readonly tokensFile: string | undefined;
  /** The MCP endpoint's URL as clients reach it (behind a proxy); the OAuth resource identifier. */
  readonly publicUrl: string | undefined;
  /** OAuth mode: the authorization server (token issuer). */
  readonly oauthIssuer: string | undefined;
  /** OAuth mode: where the issuer's keys are; default: found through the issuer's metadata. */
  readonly oauthJwksUrl: string | undefined;
  /** OAuth mode: scopes every access token must carry. */
  readonly oauthScopes: readonly string[];
  readonly logLevel: "error" | "warn" | "info" | "debug";
  /** HTTP mode: serve the dashboard at / (off with --no-dashboard). */
  readonly dashboard: boolean;
  /** Redis (or Valkey) shared by replicas for change notifications; absent = one process. */
  readonly redisUrl: string | undefined;
  /** How long the poller lease lasts without renewal (takeover time when a replica dies). */
  readonly redisLeaseMs: number;
  /** With redisUrl: the secret every replica shares, sealing confirmations any replica accepts. */
  readonly stateSecret: string | undefined;
  /** The same, read from this file at start. */
  readonly stateSecretFile: string | undefined;
  /** Fastest interval at which an API without a change counter (hosted) is re-read. */
  readonly pollIntervalMs: number;
  /** plan/apply: the desired-state file (YAML or JSON). */
  readonly file: string | undefined;
  /** export: where to write the YAML; absent = stdout. */
  readonly output: string | undefined;
  /** plan/apply: delete integrations the file does not list (overrides the file's `prune`). */
  readonly prune: boolean;
  /** apply, undo: skip the confirmation question. */
  readonly yes: boolean;
  /** Hosted mode: the MCP server's own change journal (SQLite); unused with redisUrl. */
  readonly journalDb: string;
  /** Change journal entries kept per workspace. */
  readonly historyLimit: number;
  /** history: entries shown. */
  readonly limit: number;
  /** history: print JSON instead of lines. */
  readonly json: boolean;
  /** undo: the change id or plan id to undo. */
  readonly undoTarget: string | undefined;
  /**
   * WEAVZ_CONFORMANCE_FIXTURES=1: also serve the conformance suite's fixture tools. Env only
   * and deliberately not an OptionSpec (no flag, not in --help or the README table): only
   * scripts/conformance.mjs sets it.
   */
  readonly conformanceFixtures: boolean;
}

/** One option: its flag, its env twin, and what it means (drives --help and the README table). */
export interface OptionSpec {
  flag: string;
  env: string;
  type: "string" | "boolean";
  default: string;
  description: string;
  commands: Command[];
  /** One-letter alias, e.g. f for -f. */
  short?: string;
}

export const OPTIONS: readonly OptionSpec[] = [
  {
    flag: "transport",
    env: "WEAVZ_TRANSPORT",
    type: "string",
    default: "stdio",
    description: "MCP transport: stdio or http (Streamable HTTP at /mcp).",
    commands: ["mcp"],
  },
  {
    flag: "host",
    env: "WEAVZ_HOST",
    type: "string",
    default: "127.0.0.1",
    description: "Interface to bind (http transport and local-api).",
    commands: ["mcp", "local-api"],
  },
  {
    flag: "port",
    env: "WEAVZ_PORT",
    type: "string",
    default: "3333 (mcp) / 8787 (local-api) / 3334 (dashboard)",
    description: "Port to bind; 0 picks a free one.",
    commands: ["mcp", "local-api", "dashboard"],
  },
  {
    flag: "api-key",
    env: "WEAVZ_API_KEY",
    type: "string",
    default: "(none)",
    description:
      "mcp: a hosted Weavz API key (wvz_…); without one the embedded local API is used. local-api: the key the server accepts.",
    commands: ["mcp", "dashboard", "export", "plan", "apply", "history", "undo", "local-api"],
  },
  {
    flag: "base-url",
    env: "WEAVZ_BASE_URL",
    type: "string",
    default: DEFAULT_BASE_URL,
    description: "Weavz API base URL (used with an API key).",
    commands: ["mcp", "dashboard", "export", "plan", "apply", "history", "undo"],
  },
  {
    flag: "workspace-id",
    env: "WEAVZ_WORKSPACE_ID",
    type: "string",
    default: "(none)",
    description:
      "Default workspace for tools when workspaceId is omitted; export: the workspace to export; plan, apply: used when the file has no workspaceId; history: the workspace shown.",
    commands: ["mcp", "export", "plan", "apply", "history", "undo"],
  },
  {
    flag: "db",
    env: "WEAVZ_LOCAL_DB",
    type: "string",
    default: "(data dir)/weavz-mcp/local.db",
    description: "SQLite file of the local API.",
    commands: ["mcp", "dashboard", "export", "plan", "apply", "history", "undo", "local-api"],
  },
  {
    flag: "no-demo",
    env: "WEAVZ_NO_DEMO",
    type: "boolean",
    default: "false",
    description: "Do not seed demo data into a new local database.",
    commands: ["mcp", "dashboard", "export", "plan", "apply", "history", "undo", "local-api"],
  },
  {
    flag: "timeout-ms",
    env: "WEAVZ_TIMEOUT_MS",
    type: "string",
    default: "30000",
    description: "Time budget of one API call, retries included (1000-60000).",
    commands: ["mcp", "dashboard", "export", "plan", "apply", "history", "undo"],
  },
  {
    flag: "read-only",
    env: "WEAVZ_READ_ONLY",
    type: "boolean",
    default: "false",
    description: "Expose only tools that do not change anything.",
    commands: ["mcp"],
  },
  {
    flag: "result-links",
    env: "WEAVZ_RESULT_LINKS",
    type: "string",
    default: "true",
    description:
      "Attach resource_link blocks to tool results; false leaves them out (LangChain's MCP adapters, see README).",
    commands: ["mcp"],
  },
  {
    flag: "apps",
    env: "WEAVZ_APPS",
    type: "string",
    default: "true",
    description:
      "Show plan reviews and the workspace overview as in-chat views (MCP Apps) in clients that render them; false turns them off.",
    commands: ["mcp"],
  },
  {
    flag: "toolsets",
    env: "WEAVZ_TOOLSETS",
    type: "string",
    default: DEFAULT_TOOLSETS.join(","),
    description:
      "Comma-separated toolsets to expose: integrations, catalog, connections, mcp-servers, plan, execute, history; all; default.",
    commands: ["mcp"],
  },
  {
    flag: "no-dashboard",
    env: "WEAVZ_NO_DASHBOARD",
    type: "boolean",
    default: "false",
    description:
      "--transport http: do not serve the dashboard at / (see Dashboard). stdio users run `weavz-mcp dashboard` instead.",
    commands: ["mcp"],
  },
  {
    flag: "allowed-origins",
    env: "WEAVZ_ALLOWED_ORIGINS",
    type: "string",
    default: "(loopback only)",
    description: "Comma-separated extra Origin values the HTTP transport accepts.",
    commands: ["mcp"],
  },
  {
    flag: "http-allow",
    env: "WEAVZ_HTTP_ALLOW",
    type: "string",
    default: "(none)",
    description:
      "Comma-separated HOST[:PORT] the http built-in may reach although private (loopback, LAN, link-local), for local testing.",
    commands: ["mcp", "local-api"],
  },
  {
    flag: "max-sessions",
    env: "WEAVZ_MAX_SESSIONS",
    type: "string",
    default: "1000",
    description:
      "Most HTTP sessions (2025-11-25 clients) held at once (1-100000); beyond it idle ones are closed, else 503.",
    commands: ["mcp"],
  },
  {
    flag: "auth",
    env: "WEAVZ_AUTH",
    type: "string",
    default: "none; bearer with a tokens file, oauth with an issuer",
    description:
      "HTTP client authentication: none, bearer (tokens file) or oauth (JWT access tokens). A non-loopback --host needs bearer or oauth.",
    commands: ["mcp"],
  },
  {
    flag: "insecure-no-auth",
    env: "WEAVZ_INSECURE_NO_AUTH",
    type: "boolean",
    default: "false",
    description:
      "Allow --auth none on a non-loopback --host (only behind a proxy that authenticates).",
    commands: ["mcp"],
  },
  {
    flag: "tokens-file",
    env: "WEAVZ_MCP_TOKENS_FILE",
    type: "string",
    default: "(none)",
    description:
      "--auth bearer: file of accepted tokens, one a line (`TOKEN` or `sha256:HEX`, optional `workspaces=ID,ID`, `name=NAME` and `label=LABEL` for the change journal).",
    commands: ["mcp"],
  },
  {
    flag: "public-url",
    env: "WEAVZ_PUBLIC_URL",
    type: "string",
    default: "(the listening URL)",
    description:
      "URL of the /mcp endpoint as clients reach it (e.g. behind a TLS proxy); the OAuth resource identifier (token audience).",
    commands: ["mcp"],
  },
  {
    flag: "oauth-issuer",
    env: "WEAVZ_OAUTH_ISSUER",
    type: "string",
    default: "(none)",
    description: "--auth oauth: the authorization server's issuer URL (checked against `iss`).",
    commands: ["mcp"],
  },
  {
    flag: "oauth-jwks-url",
    env: "WEAVZ_OAUTH_JWKS_URL",
    type: "string",
    default: "(from the issuer's metadata)",
    description: "--auth oauth: URL of the issuer's JSON Web Key Set.",
    commands: ["mcp"],
  },
  {
    flag: "oauth-scopes",
    env: "WEAVZ_OAUTH_SCOPES",
    type: "string",
    default: "(none)",
    description:
      "--auth oauth: space- or comma-separated scopes every access token must carry (else 403 insufficient_scope).",
    commands: ["mcp"],
  },
  {
    flag: "redis-url",
    env: "WEAVZ_REDIS_URL",
    type: "string",
    default: "(none)",
    description:
      "Redis or Valkey (redis://[user:password@]host:port[/db], rediss:// for TLS) shared by several replicas: change notifications reach every replica's listeners, and one replica at a time polls the API. See Scaling out.",
    commands: ["mcp"],
  },
  {
    flag: "redis-lease-ms",
    env: "WEAVZ_REDIS_LEASE_MS",
    type: "string",
    default: "15000",
    description:
      "With --redis-url: lifetime of the poller lease (1000-300000); when the polling replica dies another takes over within about this.",
    commands: ["mcp"],
  },
  {
    flag: "state-secret",
    env: "WEAVZ_STATE_SECRET",
    type: "string",
    default: "(none)",
    description:
      "With --redis-url: a secret of 32+ characters, the same on every replica (e.g. `openssl rand -base64 32`), so a confirmation token or 2026 confirmation round issued by one replica is accepted by any, once. Without it, confirmations only work on the replica that issued them. Prefer the env var or the file twin to a flag. See Scaling out.",
    commands: ["mcp"],
  },
  {
    flag: "state-secret-file",
    env: "WEAVZ_STATE_SECRET_FILE",
    type: "string",
    default: "(none)",
    description:
      "With --redis-url: read the state secret from this file (e.g. a mounted secret) instead of --state-secret.",
    commands: ["mcp"],
  },
  {
    flag: "poll-interval-ms",
    env: "WEAVZ_POLL_INTERVAL_MS",
    type: "string",
    default: "2000",
    description:
      "While a resource is watched, how often an API without a change feed (the hosted API) is re-read at first (100-60000); doubles while nothing changes, up to 30 s.",
    commands: ["mcp", "dashboard"],
  },
  {
    flag: "log-level",
    env: "WEAVZ_LOG_LEVEL",
    type: "string",
    default: "info (warn for export, plan, apply)",
    description: "stderr log level: error, warn, info or debug.",
    commands: ["mcp", "dashboard", "local-api", "export", "plan", "apply", "history", "undo"],
  },
  {
    flag: "file",
    short: "f",
    env: "WEAVZ_PLAN_FILE",
    type: "string",
    default: "(none)",
    description: "plan, apply: the desired-state file, YAML or JSON (see Declarative setup).",
    commands: ["plan", "apply"],
  },
  {
    flag: "output",
    short: "o",
    env: "WEAVZ_EXPORT_FILE",
    type: "string",
    default: "(stdout)",
    description: "export: write the YAML to this file instead of stdout.",
    commands: ["export"],
  },
  {
    flag: "prune",
    env: "WEAVZ_PRUNE",
    type: "boolean",
    default: "false",
    description:
      "plan, apply: delete integrations the file does not list (same as `prune: true` in the file).",
    commands: ["plan", "apply"],
  },
  {
    flag: "yes",
    short: "y",
    env: "WEAVZ_APPLY_YES",
    type: "boolean",
    default: "false",
    description:
      "apply, undo: do not ask for confirmation (needed when stdin is not a terminal, e.g. in CI).",
    commands: ["apply", "undo"],
  },
  {
    flag: "journal-db",
    env: "WEAVZ_JOURNAL_DB",
    type: "string",
    default: "(data dir)/weavz-mcp/journal.db",
    description:
      "With an API key (hosted mode): SQLite file of this server's own change journal (the hosted API keeps no history). With --redis-url the journal is in Redis instead. See History and undo.",
    commands: ["mcp", "dashboard", "history", "undo", "apply"],
  },
  {
    flag: "history-limit",
    env: "WEAVZ_HISTORY_LIMIT",
    type: "string",
    default: "10000",
    description: "Change journal entries kept per workspace (100-1000000); older ones are dropped.",
    commands: ["mcp", "dashboard", "local-api", "history", "undo", "apply"],
  },
  {
    flag: "limit",
    env: "WEAVZ_HISTORY_PAGE",
    type: "string",
    default: "20",
    description: "history: how many changes to show, newest first (1-1000).",
    commands: ["history"],
  },
  {
    flag: "json",
    env: "WEAVZ_HISTORY_JSON",
    type: "boolean",
    default: "false",
    description: "history: print the entries as JSON instead of one line each.",
    commands: ["history"],
  },
];

/** A mistake in flags or env, with a message meant for the user. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** The user's data directory for weavz-mcp, per platform. */
export function defaultDataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform = process.platform,
): string {
  if (platform === "win32")
    return join(env.APPDATA ?? join(homedir(), "AppData", "Roaming"), "weavz-mcp");
  if (platform === "darwin") return join(homedir(), "Library", "Application Support", "weavz-mcp");
  return join(env.XDG_DATA_HOME || join(homedir(), ".local", "share"), "weavz-mcp");
}

const TRUE = new Set(["1", "true", "yes", "on"]);
const FALSE = new Set(["0", "false", "no", "off", ""]);

function envBool(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const raw = env[name];
  if (raw === undefined) return undefined;
  const v = raw.trim().toLowerCase();
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  throw new ConfigError(`${name} must be true or false (got "${raw}").`);
}

function parsePort(raw: string, source: string): number {
  if (!/^\d+$/.test(raw.trim()))
    throw new ConfigError(`${source} must be a port number 0-65535 (got "${raw}").`);
  const n = Number(raw);
  if (n > 65535) throw new ConfigError(`${source} must be a port number 0-65535 (got "${raw}").`);
  return n;
}

/** Whether a bind address only accepts connections from this machine. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h);
}

/** An http(s) URL option, or a ConfigError naming it; plain http only towards loopback. */
function parseUrlOption(raw: string, source: string, example: string): URL {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new ConfigError(`${source} must be a URL such as ${example} (got "${raw}").`);
  }
  if (u.protocol !== "https:" && !(u.protocol === "http:" && isLoopbackHost(u.hostname))) {
    throw new ConfigError(
      `${source} must be an https URL (plain http only for localhost) such as ${example} (got "${raw}").`,
    );
  }
  if (u.username || u.password || u.hash) {
    throw new ConfigError(`${source} must not contain credentials or a #fragment (got "${raw}").`);
  }
  return u;
}

/** Parses argv (without node and script) and env into a frozen Config, or throws ConfigError. */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Config {
  const args = [...argv];
  let command: Command = "mcp";
  if (args[0] === "local-api" || args[0] === "dashboard" || isPlanCommand(args[0])) {
    command = args.shift() as Command;
  }
  const options: Record<string, { type: "string" | "boolean"; short?: string }> = {
    help: { type: "boolean", short: "h" },
    version: { type: "boolean", short: "v" },
  };
  for (const o of OPTIONS)
    options[o.flag] = o.short ? { type: o.type, short: o.short } : { type: o.type };
  let values: Record<string, string | boolean | undefined>;
  let undoTarget: string | undefined;
  try {
    const parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
    values = parsed.values as Record<string, string | boolean | undefined>;
    // undo takes one word: the change id or plan id.
    if (command === "undo" && parsed.positionals.length > 0)
      undoTarget = parsed.positionals.shift();
    if (parsed.positionals.length > 0) {
      throw new ConfigError(
        `Unknown command "${parsed.positionals[0]}". Commands: (none) for the MCP server, local-api for the local Weavz API, dashboard, export, plan, apply, history, undo. See --help.`,
      );
    }
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`${(err as Error).message}. See --help.`);
  }
  if (values.help) command = "help";
  else if (values.version) command = "version";

  for (const o of OPTIONS) {
    if (
      values[o.flag] !== undefined &&
      !o.commands.includes(command) &&
      command !== "help" &&
      command !== "version"
    ) {
      throw new ConfigError(
        `--${o.flag} does not apply to ${command === "mcp" ? "the MCP server" : command}. See --help.`,
      );
    }
  }

  const str = (flag: string, envName: string): string | undefined => {
    const v = values[flag];
    if (typeof v === "string") return v;
    const e = env[envName];
    return e === undefined || e === "" ? undefined : e;
  };
  /** A switch: set by its flag, else by its env var (an invalid env word is an error). */
  const bool = (flag: string, envName: string): boolean =>
    values[flag] === true || envBool(env, envName) === true;
  /** An optional https URL option (plain http for loopback only), checked by parseUrlOption. */
  const url = (flag: string, envName: string, example: string): URL | undefined => {
    const raw = str(flag, envName);
    return raw === undefined ? undefined : parseUrlOption(raw, `--${flag} / ${envName}`, example);
  };

  const transportRaw = str("transport", "WEAVZ_TRANSPORT") ?? "stdio";
  if (transportRaw !== "stdio" && transportRaw !== "http") {
    throw new ConfigError(
      `--transport / WEAVZ_TRANSPORT must be stdio or http (got "${transportRaw}").`,
    );
  }
  const host = str("host", "WEAVZ_HOST") ?? "127.0.0.1";
  const portRaw = str("port", "WEAVZ_PORT");
  const port =
    portRaw === undefined
      ? command === "local-api"
        ? DEFAULT_LOCAL_API_PORT
        : command === "dashboard"
          ? DEFAULT_DASHBOARD_PORT
          : DEFAULT_MCP_PORT
      : parsePort(portRaw, "--port / WEAVZ_PORT");

  const apiKey = str("api-key", "WEAVZ_API_KEY");
  if (apiKey !== undefined && !/^[\x21-\x7e]{8,512}$/.test(apiKey)) {
    throw new ConfigError(
      "--api-key / WEAVZ_API_KEY must be 8-512 printable characters without spaces (a Weavz key looks like wvz_…).",
    );
  }
  const baseUrlRaw = str("base-url", "WEAVZ_BASE_URL") ?? DEFAULT_BASE_URL;
  let baseUrl: string;
  try {
    const u = new URL(baseUrlRaw);
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error("protocol");
    if (u.username || u.password)
      throw new ConfigError(
        "--base-url / WEAVZ_BASE_URL must not contain credentials; use --api-key.",
      );
    baseUrl = u.origin + u.pathname.replace(/\/+$/, "").replace(/\/api\/v1$/, "");
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(
      `--base-url / WEAVZ_BASE_URL must be an http(s) URL such as ${DEFAULT_BASE_URL} (got "${baseUrlRaw}").`,
    );
  }
  if (
    baseUrlRaw !== DEFAULT_BASE_URL &&
    apiKey === undefined &&
    BACKEND_COMMANDS.includes(command) &&
    (values["base-url"] !== undefined || env.WEAVZ_BASE_URL)
  ) {
    throw new ConfigError(
      "WEAVZ_BASE_URL / --base-url is set but WEAVZ_API_KEY / --api-key is not: a remote API needs a key. Unset the base URL to use the embedded local API.",
    );
  }
  const workspaceId = str("workspace-id", "WEAVZ_WORKSPACE_ID");
  if (workspaceId !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}$/.test(workspaceId)) {
    throw new ConfigError(
      `--workspace-id / WEAVZ_WORKSPACE_ID must be a workspace id (got "${workspaceId}").`,
    );
  }
  const localDb = str("db", "WEAVZ_LOCAL_DB") ?? join(defaultDataDir(env), "local.db");
  const noDemo = bool("no-demo", "WEAVZ_NO_DEMO");
  const timeoutRaw = str("timeout-ms", "WEAVZ_TIMEOUT_MS") ?? "30000";
  const timeoutMs = Number(timeoutRaw);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1000 || timeoutMs > 60000) {
    throw new ConfigError(
      `--timeout-ms / WEAVZ_TIMEOUT_MS must be a whole number of milliseconds from 1000 to 60000 (got "${timeoutRaw}").`,
    );
  }
  const readOnly = bool("read-only", "WEAVZ_READ_ONLY");
  const linksRaw = str("result-links", "WEAVZ_RESULT_LINKS") ?? "true";
  const linksValue = linksRaw.trim().toLowerCase();
  if (!TRUE.has(linksValue) && !FALSE.has(linksValue)) {
    throw new ConfigError(
      `--result-links / WEAVZ_RESULT_LINKS must be true or false (got "${linksRaw}").`,
    );
  }
  const resultLinks = TRUE.has(linksValue);
  const appsRaw = str("apps", "WEAVZ_APPS") ?? "true";
  const appsValue = appsRaw.trim().toLowerCase();
  if (!TRUE.has(appsValue) && !FALSE.has(appsValue)) {
    throw new ConfigError(`--apps / WEAVZ_APPS must be true or false (got "${appsRaw}").`);
  }
  const apps = TRUE.has(appsValue);
  const toolsetsRaw = str("toolsets", "WEAVZ_TOOLSETS");
  let toolsets: readonly ToolsetName[] = DEFAULT_TOOLSETS;
  if (toolsetsRaw !== undefined) {
    try {
      toolsets = parseToolsets(toolsetsRaw);
    } catch (err) {
      throw new ConfigError(`--toolsets / WEAVZ_TOOLSETS ${(err as Error).message}.`);
    }
  }
  const origins = (str("allowed-origins", "WEAVZ_ALLOWED_ORIGINS") ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const o of origins) {
    try {
      new URL(o);
    } catch {
      throw new ConfigError(
        `--allowed-origins / WEAVZ_ALLOWED_ORIGINS entries must be origins like https://app.example.com (got "${o}").`,
      );
    }
  }
  let httpAllow: HttpAllowEntry[] = [];
  try {
    httpAllow = parseHttpAllow(str("http-allow", "WEAVZ_HTTP_ALLOW") ?? "");
  } catch (err) {
    throw new ConfigError(`--http-allow / WEAVZ_HTTP_ALLOW ${(err as Error).message}.`);
  }
  const maxSessionsRaw = str("max-sessions", "WEAVZ_MAX_SESSIONS") ?? "1000";
  const maxSessions = Number(maxSessionsRaw);
  if (!Number.isInteger(maxSessions) || maxSessions < 1 || maxSessions > 100_000) {
    throw new ConfigError(
      `--max-sessions / WEAVZ_MAX_SESSIONS must be a whole number from 1 to 100000 (got "${maxSessionsRaw}").`,
    );
  }
  const tokensFile = str("tokens-file", "WEAVZ_MCP_TOKENS_FILE");
  const issuerRaw = str("oauth-issuer", "WEAVZ_OAUTH_ISSUER");
  // A tokens file or an issuer alone says which mode is meant: forgetting --auth must not
  // leave a server that was meant to be protected open.
  const implied =
    tokensFile !== undefined && issuerRaw === undefined
      ? "bearer"
      : issuerRaw !== undefined && tokensFile === undefined
        ? "oauth"
        : undefined;
  const authGiven = str("auth", "WEAVZ_AUTH");
  if (authGiven === undefined && tokensFile !== undefined && issuerRaw !== undefined) {
    throw new ConfigError(
      "both a tokens file and an OAuth issuer are set: choose with --auth bearer or --auth oauth (WEAVZ_AUTH).",
    );
  }
  const authRaw = authGiven ?? implied ?? "none";
  if (!(AUTH_MODES as readonly string[]).includes(authRaw)) {
    throw new ConfigError(`--auth / WEAVZ_AUTH must be none, bearer or oauth (got "${authRaw}").`);
  }
  const auth = authRaw as AuthMode;
  const insecureNoAuth = bool("insecure-no-auth", "WEAVZ_INSECURE_NO_AUTH");
  const publicUrl = url("public-url", "WEAVZ_PUBLIC_URL", "https://mcp.example.com/mcp")?.href;
  // Checked only: the issuer is compared verbatim with the token's `iss`, so it is kept as given.
  url("oauth-issuer", "WEAVZ_OAUTH_ISSUER", "https://auth.example.com");
  const oauthJwksUrl = url(
    "oauth-jwks-url",
    "WEAVZ_OAUTH_JWKS_URL",
    "https://auth.example.com/.well-known/jwks.json",
  )?.href;
  const oauthScopes = (str("oauth-scopes", "WEAVZ_OAUTH_SCOPES") ?? "")
    .split(/[\s,]+/)
    .filter(Boolean);
  if (command === "mcp" && transportRaw === "http") {
    if (auth === "bearer" && tokensFile === undefined) {
      throw new ConfigError(
        "--auth bearer needs a tokens file: set WEAVZ_MCP_TOKENS_FILE (or --tokens-file). See the README's Remote hosting section for its format.",
      );
    }
    if (auth === "oauth" && issuerRaw === undefined) {
      throw new ConfigError(
        "--auth oauth needs the authorization server: set WEAVZ_OAUTH_ISSUER (or --oauth-issuer) to its issuer URL.",
      );
    }
    // Without authentication, whoever reaches the port acts with the Weavz API key.
    if (auth === "none" && !isLoopbackHost(host) && !insecureNoAuth) {
      throw new ConfigError(
        `refusing to serve HTTP on ${host} without authentication: anyone who reaches the port could change your Weavz workspaces. Use --auth bearer (with WEAVZ_MCP_TOKENS_FILE) or --auth oauth, bind --host 127.0.0.1, or pass --insecure-no-auth (WEAVZ_INSECURE_NO_AUTH=1) if a proxy in front authenticates.`,
      );
    }
  }
  // The GitOps commands print their own lines; the backend's info lines would only clutter them.
  const logLevel =
    str("log-level", "WEAVZ_LOG_LEVEL") ?? (isPlanCommand(command) ? "warn" : "info");
  if (!["error", "warn", "info", "debug"].includes(logLevel)) {
    throw new ConfigError(
      `--log-level / WEAVZ_LOG_LEVEL must be error, warn, info or debug (got "${logLevel}").`,
    );
  }
  const dashboard = !bool("no-dashboard", "WEAVZ_NO_DASHBOARD");
  const redisUrl = str("redis-url", "WEAVZ_REDIS_URL");
  if (redisUrl !== undefined) {
    let ok = false;
    try {
      const u = new URL(redisUrl);
      ok = (u.protocol === "redis:" || u.protocol === "rediss:") && u.hostname !== "";
    } catch {
      ok = false;
    }
    // Never echo the value: it may hold the Redis password.
    if (!ok) {
      throw new ConfigError(
        "--redis-url / WEAVZ_REDIS_URL must be a URL such as redis://redis:6379 or rediss://user:password@host:6380/0.",
      );
    }
  }
  const wholeMs = (flag: string, envName: string, dflt: string, min: number, max: number) => {
    const raw = str(flag, envName) ?? dflt;
    const n = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || n < min || n > max) {
      throw new ConfigError(
        `--${flag} / ${envName} must be a whole number of milliseconds from ${min} to ${max} (got "${raw}").`,
      );
    }
    return n;
  };
  const redisLeaseMs = wholeMs("redis-lease-ms", "WEAVZ_REDIS_LEASE_MS", "15000", 1000, 300_000);
  const stateSecret = str("state-secret", "WEAVZ_STATE_SECRET");
  const stateSecretFile = str("state-secret-file", "WEAVZ_STATE_SECRET_FILE");
  if (stateSecret !== undefined && stateSecretFile !== undefined) {
    throw new ConfigError(
      "both --state-secret (WEAVZ_STATE_SECRET) and --state-secret-file (WEAVZ_STATE_SECRET_FILE) are set: give one.",
    );
  }
  // Without Redis, single use is only kept in memory: a key that outlives the process would let
  // a used token be used again after a restart. So the secret only means something with Redis.
  if ((stateSecret !== undefined || stateSecretFile !== undefined) && redisUrl === undefined) {
    throw new ConfigError(
      "--state-secret / WEAVZ_STATE_SECRET (or its file) only applies with --redis-url / WEAVZ_REDIS_URL: replicas share confirmations through Redis. Unset it for a single process.",
    );
  }
  // Checked here too (the file at start): never echoed, it is a secret.
  if (stateSecret !== undefined && !isUsableStateSecret(stateSecret)) {
    throw new ConfigError(
      `--state-secret / WEAVZ_STATE_SECRET must be at least ${STATE_SECRET_MIN_CHARS} characters without spaces (e.g. the output of \`openssl rand -base64 32\`), the same on every replica.`,
    );
  }
  const pollIntervalMs = wholeMs("poll-interval-ms", "WEAVZ_POLL_INTERVAL_MS", "2000", 100, 60_000);
  const file = str("file", "WEAVZ_PLAN_FILE");
  if ((command === "plan" || command === "apply") && file === undefined) {
    throw new ConfigError(
      `${command} needs the desired-state file: -f FILE (or WEAVZ_PLAN_FILE). \`weavz-mcp export -o FILE\` writes one from a live workspace.`,
    );
  }
  const output = str("output", "WEAVZ_EXPORT_FILE");
  const prune = bool("prune", "WEAVZ_PRUNE");
  const yes = bool("yes", "WEAVZ_APPLY_YES");
  const journalDb =
    str("journal-db", "WEAVZ_JOURNAL_DB") ?? join(defaultDataDir(env), "journal.db");
  const whole = (flag: string, envName: string, dflt: string, min: number, max: number) => {
    const raw = str(flag, envName) ?? dflt;
    const n = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || n < min || n > max) {
      throw new ConfigError(
        `--${flag} / ${envName} must be a whole number from ${min} to ${max} (got "${raw}").`,
      );
    }
    return n;
  };
  const historyLimit = whole("history-limit", "WEAVZ_HISTORY_LIMIT", "10000", 100, 1_000_000);
  const limit = whole("limit", "WEAVZ_HISTORY_PAGE", "20", 1, 1000);
  const json = bool("json", "WEAVZ_HISTORY_JSON");
  if (command === "undo" && undoTarget === undefined) {
    throw new ConfigError(
      "undo needs what to undo: `weavz-mcp undo CHANGE_ID` (a chg_… id from `weavz-mcp history`) or `weavz-mcp undo PLAN_ID` (a plan_… id: every step of that apply or undo).",
    );
  }
  return Object.freeze({
    command,
    transport: transportRaw,
    host,
    port,
    apiKey,
    baseUrl,
    workspaceId,
    localDb,
    demo: !noDemo,
    timeoutMs,
    readOnly,
    resultLinks,
    apps,
    toolsets: Object.freeze([...toolsets]),
    allowedOrigins: Object.freeze(origins),
    httpAllow: Object.freeze(httpAllow),
    maxSessions,
    auth,
    insecureNoAuth,
    tokensFile,
    publicUrl,
    oauthIssuer: issuerRaw,
    oauthJwksUrl,
    oauthScopes: Object.freeze(oauthScopes),
    logLevel: logLevel as Config["logLevel"],
    dashboard,
    redisUrl,
    redisLeaseMs,
    stateSecret,
    stateSecretFile,
    pollIntervalMs,
    file,
    output,
    prune,
    yes,
    journalDb,
    historyLimit,
    limit,
    json,
    undoTarget,
    conformanceFixtures: envBool(env, "WEAVZ_CONFORMANCE_FIXTURES") === true,
  });
}

/** The README's configuration table, generated from the option list the CLI parses. */
export function renderConfigTable(options: readonly OptionSpec[]): string {
  const rows = options.map(
    (o) =>
      `| \`--${o.flag}\`${o.short ? ` (\`-${o.short}\`)` : ""} | \`${o.env}\` | ${o.default.replace(/\|/g, "\\|")} | ${o.commands.join(", ")} | ${o.description} |`,
  );
  return [
    "| Flag | Env | Default | Commands | Meaning |",
    "| --- | --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
}
