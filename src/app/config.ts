import { parseArgs } from "node:util";
import {
  type Command,
  type ConfigOf,
  type DefaultContext,
  isPlanCommand,
  type OptionSpec,
  PLAN_COMMANDS,
} from "./option-spec.js";
import { DEFAULT_BASE_URL, ENV_ONLY, OPTIONS } from "./options/index.js";
import { ConfigError, isLoopbackHost } from "./parsers.js";

export type { Command, OptionSpec, PlanCommand } from "./option-spec.js";
export { isPlanCommand } from "./option-spec.js";
export { ConfigError, isLoopbackHost } from "./parsers.js";

/**
 * Validated, frozen configuration for one run of the CLI, one group per subsystem (api, http,
 * mcp, auth, redis, local, plan, log); its fields follow from the option table. Only src/app
 * reads it: each subsystem is handed the fields it uses.
 */
export type Config = {
  readonly command: Command;
  /** undo: the change id or plan id to undo (its one positional word). */
  readonly undoTarget: string | undefined;
} & ConfigOf<(typeof OPTIONS)[number] | (typeof ENV_ONLY)[number]>;

const BACKEND_COMMANDS: readonly Command[] = ["mcp", "dashboard", ...PLAN_COMMANDS];

/**
 * The rules between options, checked after each option is parsed on its own. Each throws a
 * ConfigError; `given` tells whether an option was set (its flag or env twin).
 */
const RULES: ReadonlyArray<(c: Config, given: DefaultContext["given"]) => void> = [
  function remoteApiNeedsKey(c, given) {
    const baseUrl = given("base-url");
    if (
      baseUrl !== undefined &&
      baseUrl !== DEFAULT_BASE_URL &&
      c.api.apiKey === undefined &&
      BACKEND_COMMANDS.includes(c.command)
    ) {
      throw new ConfigError(
        "WEAVZ_BASE_URL / --base-url is set but WEAVZ_API_KEY / --api-key is not: a remote API needs a key. Unset the base URL to use the embedded local API.",
      );
    }
  },
  function oneAuthSource(_c, given) {
    if (
      given("auth") === undefined &&
      given("tokens-file") !== undefined &&
      given("oauth-issuer") !== undefined
    ) {
      throw new ConfigError(
        "both a tokens file and an OAuth issuer are set: choose with --auth bearer or --auth oauth (WEAVZ_AUTH).",
      );
    }
  },
  function httpAuthComplete(c) {
    if (c.command !== "mcp" || c.mcp.transport !== "http") return;
    if (c.auth.mode === "bearer" && c.auth.tokensFile === undefined) {
      throw new ConfigError(
        "--auth bearer needs a tokens file: set WEAVZ_MCP_TOKENS_FILE (or --tokens-file). See the README's Remote hosting section for its format.",
      );
    }
    if (c.auth.mode === "oauth" && c.auth.oauthIssuer === undefined) {
      throw new ConfigError(
        "--auth oauth needs the authorization server: set WEAVZ_OAUTH_ISSUER (or --oauth-issuer) to its issuer URL.",
      );
    }
    // Without authentication, whoever reaches the port acts with the Weavz API key.
    if (c.auth.mode === "none" && !isLoopbackHost(c.http.host) && !c.auth.insecureNoAuth) {
      throw new ConfigError(
        `refusing to serve HTTP on ${c.http.host} without authentication: anyone who reaches the port could change your Weavz workspaces. Use --auth bearer (with WEAVZ_MCP_TOKENS_FILE) or --auth oauth, bind --host 127.0.0.1, or pass --insecure-no-auth (WEAVZ_INSECURE_NO_AUTH=1) if a proxy in front authenticates.`,
      );
    }
  },
  function oneStateSecretWithRedis(c) {
    const { stateSecret, stateSecretFile, url } = c.redis;
    if (stateSecret !== undefined && stateSecretFile !== undefined) {
      throw new ConfigError(
        "both --state-secret (WEAVZ_STATE_SECRET) and --state-secret-file (WEAVZ_STATE_SECRET_FILE) are set: give one.",
      );
    }
    // Without Redis, single use is only kept in memory: a key that outlives the process would
    // let a used token be used again after a restart. So the secret only means something there.
    if ((stateSecret !== undefined || stateSecretFile !== undefined) && url === undefined) {
      throw new ConfigError(
        "--state-secret / WEAVZ_STATE_SECRET (or its file) only applies with --redis-url / WEAVZ_REDIS_URL: replicas share confirmations through Redis. Unset it for a single process.",
      );
    }
  },
  function undoNeedsTarget(c) {
    if (c.command === "undo" && c.undoTarget === undefined) {
      throw new ConfigError(
        "undo needs what to undo: `weavz-mcp undo CHANGE_ID` (a chg_… id from `weavz-mcp history`) or `weavz-mcp undo PLAN_ID` (a plan_… id: every step of that apply or undo).",
      );
    }
  },
  function planNeedsFile(c) {
    if ((c.command === "plan" || c.command === "apply") && c.plan.file === undefined) {
      throw new ConfigError(
        `${c.command} needs the desired-state file: -f FILE (or WEAVZ_PLAN_FILE). \`weavz-mcp export -o FILE\` writes one from a live workspace.`,
      );
    }
  },
];

/** The command word and the flags' values, or a ConfigError for an unknown command or flag. */
function readArgv(argv: readonly string[]): {
  command: Command;
  values: Record<string, string | boolean | undefined>;
  undoTarget: string | undefined;
} {
  const args = [...argv];
  let command: Command = "mcp";
  if (args[0] === "local-api" || args[0] === "dashboard" || isPlanCommand(args[0]))
    command = args.shift() as Command;
  const options: Record<string, { type: "string" | "boolean"; short?: string }> = {
    help: { type: "boolean", short: "h" },
    version: { type: "boolean", short: "v" },
  };
  for (const o of OPTIONS)
    options[o.flag] = "short" in o ? { type: o.type, short: o.short } : { type: o.type };
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
  return { command, values, undoTarget };
}

/** Parses argv (without node and script) and env into a frozen Config, or throws ConfigError. */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Config {
  const { command, values, undoTarget } = readArgv(argv);
  const all: readonly OptionSpec[] = [...OPTIONS, ...ENV_ONLY];
  const byFlag = new Map(OPTIONS.map((o): [string, OptionSpec] => [o.flag, o]));
  /** An option's raw text: its flag (a switch gives "true"), else its env twin ("" is unset). */
  const rawOf = (o: OptionSpec): string | undefined => {
    const v = o.flag ? values[o.flag] : undefined;
    if (typeof v === "string") return v;
    if (v === true) return "true";
    const e = env[o.env];
    return e === undefined || e === "" ? undefined : e;
  };
  const given = (flag: string) => {
    const o = byFlag.get(flag);
    return o ? rawOf(o) : undefined;
  };
  const ctx: DefaultContext = { command, env, given };

  const groups: Record<string, Record<string, unknown>> = {};
  for (const o of all) {
    if (o.flag && values[o.flag] !== undefined && !o.commands.includes(command)) {
      if (command !== "help" && command !== "version") {
        throw new ConfigError(
          `--${o.flag} does not apply to ${command === "mcp" ? "the MCP server" : command}. See --help.`,
        );
      }
    }
  }
  for (const o of all) {
    const raw = rawOf(o);
    const value =
      raw === undefined ? o.fallback(ctx) : o.parse(raw, o.flag ? `--${o.flag} / ${o.env}` : o.env);
    groups[o.group] ??= {};
    (groups[o.group] as Record<string, unknown>)[o.key] = Array.isArray(value)
      ? Object.freeze([...value])
      : value;
  }
  for (const g of Object.values(groups)) Object.freeze(g);
  // Each field was typed by its option (option() ties parser and default to one type).
  const config = Object.freeze({ command, undoTarget, ...groups }) as unknown as Config;
  for (const rule of RULES) rule(config, given);
  return config;
}

/**
 * The change hub's polling of an API without a change feed: --poll-interval at first, doubling
 * while nothing changes up to 30 s (or the interval, when that is longer).
 */
export function hubPolling(config: Pick<Config, "mcp">): { pollMinMs: number; pollMaxMs: number } {
  return {
    pollMinMs: config.mcp.pollIntervalMs,
    pollMaxMs: Math.max(30_000, config.mcp.pollIntervalMs),
  };
}
