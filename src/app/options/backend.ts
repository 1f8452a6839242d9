import { homedir } from "node:os";
import { join } from "node:path";
import { normaliseBaseUrl } from "../../api/base-url.js";
import { type HttpAllowEntry, parseHttpAllow } from "../../local/execute/http-allow.js";
import { isPlanCommand, option, unset } from "../option-spec.js";
import {
  bool,
  ConfigError,
  mapped,
  matching,
  oneOf,
  type Parser,
  text,
  url,
  wholeNumber,
} from "../parsers.js";

/** Options of the backend (the Weavz API, or the local one) and of logging, for every command. */

export const DEFAULT_BASE_URL = "https://api.weavz.io";

/** HOST[:PORT] entries of private destinations the http built-in may reach. */
const httpAllow: Parser<HttpAllowEntry[]> = (raw, source) => {
  try {
    return parseHttpAllow(raw);
  } catch (err) {
    throw new ConfigError(`${source} ${(err as Error).message}.`);
  }
};

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

export const API_OPTIONS = [
  option({
    flag: "api-key",
    env: "WEAVZ_API_KEY",
    group: "api",
    key: "apiKey",
    type: "string",
    default: "(none)",
    description:
      "mcp: a hosted Weavz API key (wvz_…); without one the embedded local API is used. local-api: the key the server accepts.",
    commands: ["mcp", "dashboard", "export", "plan", "apply", "history", "undo", "local-api"],
    parse: matching(
      /^[\x21-\x7e]{8,512}$/,
      "8-512 printable characters without spaces (a Weavz key looks like wvz_…)",
      { secret: true },
    ),
    fallback: unset,
  }),
  option({
    flag: "base-url",
    env: "WEAVZ_BASE_URL",
    group: "api",
    key: "baseUrl",
    type: "string",
    default: DEFAULT_BASE_URL,
    description: "Weavz API base URL (used with an API key).",
    commands: ["mcp", "dashboard", "export", "plan", "apply", "history", "undo"],
    parse: mapped(
      url({
        schemes: ["http", "https"],
        kind: "an http(s) URL such as",
        example: DEFAULT_BASE_URL,
      }),
      normaliseBaseUrl,
    ),
    fallback: () => DEFAULT_BASE_URL,
  }),
  option({
    flag: "workspace-id",
    env: "WEAVZ_WORKSPACE_ID",
    group: "api",
    key: "workspaceId",
    type: "string",
    default: "(none)",
    description:
      "Default workspace for tools when workspaceId is omitted; export: the workspace to export; plan, apply: used when the file has no workspaceId; history: the workspace shown.",
    commands: ["mcp", "export", "plan", "apply", "history", "undo"],
    parse: matching(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}$/, "a workspace id"),
    fallback: unset,
  }),
  option({
    flag: "timeout-ms",
    env: "WEAVZ_TIMEOUT_MS",
    group: "api",
    key: "timeoutMs",
    type: "string",
    default: "30000",
    description: "Time budget of one API call, retries included (1000-60000).",
    commands: ["mcp", "dashboard", "export", "plan", "apply", "history", "undo"],
    parse: wholeNumber(1000, 60_000, { unit: "milliseconds" }),
    fallback: () => 30_000,
  }),
] as const;

export const LOCAL_OPTIONS = [
  option({
    flag: "db",
    env: "WEAVZ_LOCAL_DB",
    group: "local",
    key: "db",
    type: "string",
    default: "(data dir)/weavz-mcp/local.db",
    description: "SQLite file of the local API.",
    commands: ["mcp", "dashboard", "export", "plan", "apply", "history", "undo", "local-api"],
    parse: text,
    fallback: ({ env }) => join(defaultDataDir(env), "local.db"),
  }),
  option({
    flag: "no-demo",
    env: "WEAVZ_NO_DEMO",
    group: "local",
    key: "demo",
    type: "boolean",
    default: "false",
    description: "Do not seed demo data into a new local database.",
    commands: ["mcp", "dashboard", "export", "plan", "apply", "history", "undo", "local-api"],
    parse: mapped(bool, (noDemo) => !noDemo),
    fallback: () => true,
  }),
  option({
    flag: "http-allow",
    env: "WEAVZ_HTTP_ALLOW",
    group: "local",
    key: "httpAllow",
    type: "string",
    default: "(none)",
    description:
      "Comma-separated HOST[:PORT] the http built-in may reach although private (loopback, LAN, link-local), for local testing.",
    commands: ["mcp", "local-api"],
    parse: httpAllow,
    fallback: (): HttpAllowEntry[] => [],
  }),
] as const;

export const LOG_OPTIONS = [
  option({
    flag: "log-level",
    env: "WEAVZ_LOG_LEVEL",
    group: "log",
    key: "level",
    type: "string",
    default: "info (warn for export, plan, apply)",
    description: "stderr log level: error, warn, info or debug.",
    commands: ["mcp", "dashboard", "local-api", "export", "plan", "apply", "history", "undo"],
    parse: oneOf(["error", "warn", "info", "debug"]),
    fallback: ({ command }) => (isPlanCommand(command) ? "warn" : "info"),
  }),
] as const;
