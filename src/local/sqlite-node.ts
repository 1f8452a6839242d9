import type { OpenOptions, SqliteDatabase, SqliteStatement, SqliteTransaction } from "./sqlite.js";

// The part of node:sqlite this adapter uses (@types/node 20 has no typings for it).
interface StatementSync {
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
  get(...params: unknown[]): Record<string, unknown> | undefined;
  all(...params: unknown[]): Array<Record<string, unknown>>;
}
interface DatabaseSync {
  prepare(sql: string): StatementSync;
  exec(sql: string): void;
  close(): void;
  /** Node 22.16+ / 24: whether a transaction is open. */
  readonly isTransaction?: boolean;
}
export interface NodeSqliteModule {
  DatabaseSync: new (path: string, options?: Record<string, unknown>) => DatabaseSync;
}

/** First column of a row (node:sqlite rows are null-prototype objects in column order). */
function first(row: Record<string, unknown> | undefined): unknown {
  if (row === undefined) return undefined;
  for (const k in row) return row[k];
  return undefined;
}

class NodeStatement implements SqliteStatement {
  private plucked = false;
  constructor(private readonly s: StatementSync) {}

  run(...params: unknown[]) {
    return this.s.run(...params);
  }
  get(...params: unknown[]): unknown {
    const row = this.s.get(...params);
    return this.plucked ? first(row) : row;
  }
  all(...params: unknown[]): unknown[] {
    const rows = this.s.all(...params);
    return this.plucked ? rows.map(first) : rows;
  }
  pluck(toggle = true): SqliteStatement {
    this.plucked = toggle;
    return this;
  }
}

/**
 * node:sqlite behind the interface better-sqlite3 offers (sqlite.ts): pragma(), transaction()
 * with immediate() and savepoints when nested, pluck(). Differences it does not hide, so the
 * store handles them: BLOBs come back as Uint8Array (not Buffer), rows have a null prototype,
 * and a named parameter the SQL does not use is an error.
 */
export class NodeSqliteDatabase implements SqliteDatabase {
  private readonly db: DatabaseSync;
  private depth = 0;
  private isOpen = true;

  constructor(DatabaseSync: NodeSqliteModule["DatabaseSync"], path: string, options: OpenOptions) {
    this.db = new DatabaseSync(path, options.readonly ? { readOnly: true } : {});
    // node:sqlite waits 0 ms on a lock by default (better-sqlite3: 5 s). The constructor's
    // `timeout` option only exists from Node 22.16, the pragma everywhere.
    this.db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.trunc(options.timeout ?? 5000))}`);
  }

  prepare(sql: string): SqliteStatement {
    return new NodeStatement(this.db.prepare(sql));
  }

  exec(sql: string): this {
    this.db.exec(sql);
    return this;
  }

  pragma(source: string, options: { simple?: boolean } = {}): unknown {
    const rows = this.db.prepare(`PRAGMA ${source}`).all();
    return options.simple ? first(rows[0]) : rows.map((r) => ({ ...r }));
  }

  get inTransaction(): boolean {
    return this.db.isTransaction ?? this.depth > 0;
  }

  get open(): boolean {
    return this.isOpen;
  }

  close(): this {
    if (this.isOpen) {
      this.db.close();
      this.isOpen = false;
    }
    return this;
  }

  transaction<T>(fn: () => T): SqliteTransaction<T> {
    const run = (begin: string) => {
      if (this.inTransaction) return this.nested(fn);
      this.db.exec(begin);
      this.depth++;
      try {
        const out = fn();
        this.db.exec("COMMIT");
        return out;
      } catch (err) {
        // A failed COMMIT (SQLITE_BUSY) or fn's error: undo what ran, if still open.
        if (this.db.isTransaction ?? true) {
          try {
            this.db.exec("ROLLBACK");
          } catch {
            // Already rolled back by SQLite itself (e.g. after SQLITE_FULL).
          }
        }
        throw err;
      } finally {
        this.depth--;
      }
    };
    return Object.assign(() => run("BEGIN"), {
      immediate: () => run("BEGIN IMMEDIATE"),
      deferred: () => run("BEGIN DEFERRED"),
    });
  }

  private savepoints = 0;

  /** A transaction inside a transaction: a savepoint, rolled back alone if fn throws. */
  private nested<T>(fn: () => T): T {
    const name = `weavz_sp${++this.savepoints}`;
    this.db.exec(`SAVEPOINT ${name}`);
    this.depth++;
    try {
      const out = fn();
      this.db.exec(`RELEASE ${name}`);
      return out;
    } catch (err) {
      this.db.exec(`ROLLBACK TO ${name}`);
      this.db.exec(`RELEASE ${name}`);
      throw err;
    } finally {
      this.depth--;
      this.savepoints--;
    }
  }
}
