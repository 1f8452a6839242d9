/** Minimal stderr logger. stdout is reserved for protocol traffic in stdio mode. */
import { redact } from "./mask.js";

export type LogLevel = "error" | "warn" | "info" | "debug";
const ORDER: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export interface Logger {
  error(msg: string, extra?: Record<string, unknown>): void;
  warn(msg: string, extra?: Record<string, unknown>): void;
  info(msg: string, extra?: Record<string, unknown>): void;
  debug(msg: string, extra?: Record<string, unknown>): void;
}

// Masking lives in one module shared with the API client; re-exported for existing callers.
export { redact };

/** A logger writing one line per event to stderr, secrets masked. */
export function createLogger(
  level: LogLevel = "info",
  prefix = "weavz-mcp",
  write: (line: string) => void = (l) => process.stderr.write(l),
): Logger {
  const emit = (at: LogLevel, msg: string, extra?: Record<string, unknown>) => {
    if (ORDER[at] > ORDER[level]) return;
    const tail = extra && Object.keys(extra).length > 0 ? ` ${JSON.stringify(extra)}` : "";
    write(`${redact(`[${prefix}] ${at}: ${msg}${tail}`)}\n`);
  };
  return {
    error: (m, e) => emit("error", m, e),
    warn: (m, e) => emit("warn", m, e),
    info: (m, e) => emit("info", m, e),
    debug: (m, e) => emit("debug", m, e),
  };
}

/** A logger that drops everything (tests, benchmarks). */
export const silentLogger: Logger = { error() {}, warn() {}, info() {}, debug() {} };
