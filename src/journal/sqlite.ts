import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { type ChangeJournal, DEFAULT_HISTORY_LIMIT, type NewChange } from "../domain/journal.js";
import {
  getChange,
  insertChanges,
  JOURNAL_SCHEMA,
  listChanges,
  type SqlStatement,
} from "../local/journal-store.js";
import { openDatabase, type SqliteDatabase } from "../local/sqlite.js";

/**
 * The MCP server's own journal in hosted mode, one process: a SQLite file in the data directory
 * (--journal-db), with the same table and SQL as the local API's journal. Several processes may
 * share the file (WAL, BEGIN IMMEDIATE); replicas on several hosts use Redis instead.
 */
export function openSqliteJournal(
  path: string,
  limit: number = DEFAULT_HISTORY_LIMIT,
): ChangeJournal {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db: SqliteDatabase = openDatabase(path, { timeout: 5000 });
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("busy_timeout = 5000");
  db.exec(JOURNAL_SCHEMA);
  const stmts = new Map<string, SqlStatement>();
  const host = {
    stmt(sql: string): SqlStatement {
      let s = stmts.get(sql);
      if (!s) {
        s = db.prepare(sql);
        stmts.set(sql, s);
      }
      return s;
    },
  };
  const insert = (changes: readonly NewChange[]) =>
    db.transaction(() => insertChanges(host, changes, limit)).immediate();
  return {
    kind: "mcp-sqlite",
    async record(changes) {
      return insert(changes);
    },
    async list(q) {
      return listChanges(host, q);
    },
    async get(id) {
      return getChange(host, id);
    },
    async close() {
      if (db.open) db.close();
    },
  };
}
