/**
 * Every option of the CLI, as data. Each entry owns its flag, env twin, where its value lands
 * in Config (`group`.`key`), its parser, its default, and its help line; `loadConfig` loops
 * over this table (OPTIONS, gathered below from one file per subsystem), and --help and the README's configuration table are printed from it.
 *
 * Adding an option is one entry in the file of its subsystem (./server.ts, ./backend.ts,
 * ./scale.ts, ./plan.ts, ./history.ts, or a new file added to OPTIONS below):
 *   option({
 *     flag: "history-limit", env: "WEAVZ_HISTORY_LIMIT",     // the two spellings
 *     group: "mcp", key: "historyLimit",                     // → config.mcp.historyLimit
 *     type: "string",                                        // "boolean" for a switch
 *     default: "1000",                                       // shown in --help and README
 *     description: "How many changes the history keeps.",
 *     commands: ["mcp"],                                     // where it may be given
 *     parse: wholeNumber(1, 100_000),                        // one parser per kind, parsers.ts
 *     fallback: () => 1000,                                  // the typed default
 *   }),
 * Config's type follows from the table (ConfigOf), so the field appears with its type; a new
 * group (e.g. "dashboard") is just a new group name. Then `npm run docs` regenerates the
 * README table, and the option's env twin goes into src/app/config.test.ts's env list. A rule
 * between options (one needs another) goes into RULES in config.ts; everything else belongs
 * here. Only src/app reads Config: hand the subsystem the fields it uses.
 */
import { API_OPTIONS, LOCAL_OPTIONS, LOG_OPTIONS } from "./backend.js";
import { HISTORY_OPTIONS } from "./history.js";
import { PLAN_OPTIONS } from "./plan.js";
import { REDIS_OPTIONS } from "./scale.js";
import { AUTH_OPTIONS, HTTP_OPTIONS, MCP_OPTIONS } from "./server.js";

export { DEFAULT_BASE_URL, defaultDataDir } from "./backend.js";
export {
  AUTH_MODES,
  type AuthMode,
  DEFAULT_DASHBOARD_PORT,
  DEFAULT_LOCAL_API_PORT,
  DEFAULT_MCP_PORT,
  ENV_ONLY,
} from "./server.js";

/** Every option, in the order --help and the README list them. */
export const OPTIONS = [
  ...MCP_OPTIONS,
  ...HTTP_OPTIONS,
  ...AUTH_OPTIONS,
  ...API_OPTIONS,
  ...LOCAL_OPTIONS,
  ...REDIS_OPTIONS,
  ...LOG_OPTIONS,
  ...PLAN_OPTIONS,
  ...HISTORY_OPTIONS,
] as const;
