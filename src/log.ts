/** Minimal stderr logger. stdout is reserved for protocol traffic in stdio mode. */
export type LogLevel = "error" | "warn" | "info" | "debug";
const ORDER: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export interface Logger {
  error(msg: string, extra?: Record<string, unknown>): void;
  warn(msg: string, extra?: Record<string, unknown>): void;
  info(msg: string, extra?: Record<string, unknown>): void;
  debug(msg: string, extra?: Record<string, unknown>): void;
}

// Anything that looks like a credential is masked before it reaches a log line.
const SECRET_PATTERNS = [/\b(wvz|mcp)_[A-Za-z0-9_-]{6,}/g, /(Bearer\s+)[^\s"',]+/gi];

/** Masks API keys and bearer tokens in a string. */
export function redact(text: string): string {
  let out = text;
  for (const p of SECRET_PATTERNS) {
    out = out.replace(p, (m, g1) =>
      typeof g1 === "string" && g1.startsWith("Bearer") ? `${g1}***` : `${m.slice(0, 4)}***`,
    );
  }
  return out;
}

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
