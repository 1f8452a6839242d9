import { createRequire } from "node:module";
import { NodeSqliteDatabase, type NodeSqliteModule } from "./sqlite-node.js";

/**
 * The storage seam: one small SQLite interface, served by one of two drivers.
 *
 * - `node:sqlite` (DatabaseSync), built into Node 22.13 and later: no native module to
 *   compile or download, so `npm install --omit=optional` and the Claude Desktop bundle work.
 * - `better-sqlite3` (an optional dependency), only where Node has no `node:sqlite` (Node 20):
 *   it compiles at install time there.
 *
 * The interface is the part of better-sqlite3's API the project uses, so better-sqlite3's
 * Database is used as is (no wrapper on its hot path) and node:sqlite gets a thin adapter
 * (sqlite-node.ts). `WEAVZ_SQLITE_DRIVER=node:sqlite|better-sqlite3` forces one (tests and
 * benchmarks compare them side by side on one Node).
 */
export interface SqliteStatement {
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  /** Rows as their first column's value; sticks to the statement, like better-sqlite3's. */
  pluck(toggle?: boolean): SqliteStatement;
}

export type SqliteTransaction<T> = (() => T) & { immediate(): T; deferred(): T };

export interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
  exec(sql: string): unknown;
  /** `PRAGMA <source>`: every row, or with `simple` the first column of the first row. */
  pragma(source: string, options?: { simple?: boolean }): unknown;
  /** fn wrapped in BEGIN/COMMIT (ROLLBACK on throw); a nested call uses a savepoint. */
  transaction<T>(fn: () => T): SqliteTransaction<T>;
  readonly inTransaction: boolean;
  readonly open: boolean;
  close(): unknown;
}

export type SqliteDriver = "node:sqlite" | "better-sqlite3";

export interface OpenOptions {
  /** How long a statement waits for another connection's lock (ms): busy_timeout. */
  timeout?: number;
  /** Open read-only (tools that inspect a database file). */
  readonly?: boolean;
}

type Opener = (path: string, options: OpenOptions) => SqliteDatabase;

const require = createRequire(import.meta.url);

/**
 * Loads node:sqlite without its one-time "SQLite is an experimental feature" warning (Node 22;
 * Node 24.15+ no longer prints it). The module is what this project depends on by design
 * (README, "SQLite"), and in stdio mode the warning would land in every client's MCP log as if
 * something were wrong. Only that warning is dropped, only while the module loads.
 */
function loadNodeSqlite(): NodeSqliteModule | undefined {
  const emitWarning = process.emitWarning;
  process.emitWarning = function (this: unknown, warning: string | Error, ...rest: unknown[]) {
    const text = typeof warning === "string" ? warning : warning.message;
    const type = typeof rest[0] === "string" ? rest[0] : (rest[0] as { type?: string })?.type;
    if (type === "ExperimentalWarning" && /^SQLite\b/.test(text)) return;
    return (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    return require("node:sqlite") as NodeSqliteModule;
  } catch {
    return undefined; // Node < 22.13 (absent, or behind --experimental-sqlite).
  } finally {
    process.emitWarning = emitWarning;
  }
}

function nodeOpener(): Opener | undefined {
  const mod = loadNodeSqlite();
  if (!mod) return undefined;
  return (path, options) => new NodeSqliteDatabase(mod.DatabaseSync, path, options);
}

function betterOpener(): Opener | undefined {
  let Better: new (path: string, options?: OpenOptions) => SqliteDatabase;
  try {
    Better = require("better-sqlite3");
  } catch {
    return undefined;
  }
  return (path, options) =>
    new Better(path, { timeout: options.timeout ?? 5000, readonly: options.readonly ?? false });
}

let chosen: { driver: SqliteDriver; open: Opener } | undefined;

function choose(): { driver: SqliteDriver; open: Opener } {
  chosen ??= pick();
  return chosen;
}

function pick(): { driver: SqliteDriver; open: Opener } {
  const forced = process.env.WEAVZ_SQLITE_DRIVER?.trim();
  if (forced && forced !== "node:sqlite" && forced !== "better-sqlite3") {
    throw new Error(
      `WEAVZ_SQLITE_DRIVER must be "node:sqlite" or "better-sqlite3" (got "${forced}"); unset it to pick automatically.`,
    );
  }
  if (forced !== "better-sqlite3") {
    const open = nodeOpener();
    if (open) return { driver: "node:sqlite", open };
    if (forced === "node:sqlite") {
      throw new Error(
        `WEAVZ_SQLITE_DRIVER=node:sqlite, but Node ${process.version} has no node:sqlite (it needs Node 22.13 or later).`,
      );
    }
  }
  const open = betterOpener();
  if (open) return { driver: "better-sqlite3", open };
  throw new Error(
    forced === "better-sqlite3"
      ? "WEAVZ_SQLITE_DRIVER=better-sqlite3, but the better-sqlite3 package is not installed or does not load here; install it (npm install better-sqlite3) or unset the variable."
      : `The local API needs SQLite: Node ${process.version} has no node:sqlite (Node 22.13 and later do) and the optional dependency better-sqlite3 is not installed. Use Node 22.13+, install better-sqlite3 next to weavz-mcp, or set WEAVZ_API_KEY to use the hosted Weavz API instead.`,
  );
}

/** Which driver serves SQLite in this process (loads it on first call). */
export function sqliteDriver(): SqliteDriver {
  return choose().driver;
}

/** Opens a database with the chosen driver; busy timeout 5 s unless given. */
export function openDatabase(path: string, options: OpenOptions = {}): SqliteDatabase {
  return choose().open(path, options);
}

/**
 * `new Database(path)`, as tests and tools that open a database file directly write it: the
 * same driver and defaults as the store.
 */
export const Database = function Database(path: string, options?: OpenOptions) {
  return openDatabase(path, options);
} as unknown as new (
  path: string,
  options?: OpenOptions,
) => SqliteDatabase;

// SQLite's extended result codes that callers decide on, by number (node:sqlite reports the
// number as `errcode`; better-sqlite3 reports the name as `code`).
const CODE_NAMES: Record<number, string> = {
  5: "SQLITE_BUSY",
  6: "SQLITE_LOCKED",
  8: "SQLITE_READONLY",
  11: "SQLITE_CORRUPT",
  13: "SQLITE_FULL",
  14: "SQLITE_CANTOPEN",
  19: "SQLITE_CONSTRAINT",
  26: "SQLITE_NOTADB",
  275: "SQLITE_CONSTRAINT_CHECK",
  517: "SQLITE_BUSY_SNAPSHOT",
  787: "SQLITE_CONSTRAINT_FOREIGNKEY",
  1299: "SQLITE_CONSTRAINT_NOTNULL",
  1555: "SQLITE_CONSTRAINT_PRIMARYKEY",
  2067: "SQLITE_CONSTRAINT_UNIQUE",
};

/** The SQLite error code name (e.g. SQLITE_CONSTRAINT_UNIQUE) of an error from either driver. */
export function sqliteCode(err: unknown): string | undefined {
  if (!err || typeof err !== "object") return undefined;
  const e = err as { code?: unknown; errcode?: unknown };
  if (typeof e.code === "string" && e.code.startsWith("SQLITE_")) return e.code;
  if (typeof e.errcode === "number") {
    return CODE_NAMES[e.errcode] ?? CODE_NAMES[e.errcode & 0xff] ?? `SQLITE_ERROR_${e.errcode}`;
  }
  return undefined;
}
