import { LOCAL_ORG_ID, MIGRATIONS } from "../migrations.js";
import { preparePrivateDatabase } from "../private-files.js";
import { loadSecretKey, SecretBox } from "../secrets.js";
import { openDatabase, type SqliteDatabase, type SqliteStatement } from "../sqlite.js";
import { ApiKeysTable } from "./api-keys.js";
import { ConnectionsTable } from "./connections.js";
import { EndUsersTable } from "./end-users.js";
import { ExecutionResultsTable } from "./execution-results.js";
import { IntegrationsTable } from "./integrations.js";
import { JournalTable } from "./journal.js";
import { KvEntriesTable } from "./kv-entries.js";
import { McpServersTable } from "./mcp-servers.js";
import { StoredFilesTable } from "./stored-files.js";
import { WorkspacesTable } from "./workspaces.js";

export { sqliteCode } from "../sqlite.js";
export type { ConnectionRecord, NewConnection } from "./connections.js";
export type { EndUserRecord } from "./end-users.js";
export type { IntegrationRecord } from "./integrations.js";
export type { McpServerRecord } from "./mcp-servers.js";
export type { Page } from "./shared.js";
export type { WorkspaceRecord } from "./workspaces.js";

export interface StoreOptions {
  /** Runs inside the migration transaction when the database file was brand new. */
  onCreate?: (store: Store) => void;
  /** Key sealing connection secrets; default: WEAVZ_LOCAL_SECRET_KEY or the key file. */
  secretKey?: Buffer;
  /** Change journal entries kept per workspace (--history-limit). */
  historyLimit?: number;
}

/**
 * The local API's SQLite store: the connection, its transactions and change marker. Each
 * table's SQL lives in its own module (`store.workspaces`, `store.integrations`, …).
 *
 * WAL journal; every configuration write goes through `write()`, a `BEGIN IMMEDIATE`
 * transaction that also bumps `change_seq`. The same on either driver (sqlite.ts).
 *
 * Durability: WAL with `synchronous=NORMAL` loses nothing on a process crash (SIGKILL):
 * a committed transaction is in the WAL file, which the OS holds. Only a power loss or an OS
 * crash could roll back the last transactions; FULL would fsync every commit for that.
 */
export class Store {
  readonly db: SqliteDatabase;
  /** True when this process created the schema (a brand-new database). */
  readonly created: boolean;
  readonly orgId = LOCAL_ORG_ID;

  readonly apiKeys = new ApiKeysTable(this);
  readonly workspaces = new WorkspacesTable(this);
  readonly connections = new ConnectionsTable(this);
  readonly endUsers = new EndUsersTable(this);
  readonly integrations = new IntegrationsTable(this);
  readonly mcpServers = new McpServersTable(this);
  readonly kv = new KvEntriesTable(this);
  readonly files = new StoredFilesTable(this);
  readonly executions = new ExecutionResultsTable(this);
  readonly journal: JournalTable;

  private readonly stmts = new Map<string, SqliteStatement>();
  private readonly changeListeners = new Set<(seq: number) => void>();
  private readonly path: string;
  private secretKey: Buffer | undefined;
  private box: SecretBox | undefined;

  constructor(path: string, options: StoreOptions = {}) {
    this.path = path;
    this.secretKey = options.secretKey;
    this.journal = new JournalTable(this, options.historyLimit);
    preparePrivateDatabase(path);
    // Both drivers set busy_timeout from `timeout` (sqlite.ts).
    this.db = openDatabase(path, { timeout: 5000 });
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    this.db.pragma("foreign_keys = ON");
    let created = false;
    this.immediate(() => {
      const version = this.db.pragma("user_version", { simple: true }) as number;
      if (version > MIGRATIONS.length) {
        throw new Error(
          `database ${path} has schema version ${version}, newer than this weavz-mcp (${MIGRATIONS.length}); upgrade weavz-mcp`,
        );
      }
      for (let v = version; v < MIGRATIONS.length; v++) MIGRATIONS[v]?.(this.db);
      if (version < MIGRATIONS.length) {
        this.db.pragma(`user_version = ${MIGRATIONS.length}`);
      }
      if (version === 0) {
        created = true;
        options.onCreate?.(this);
      }
    });
    this.created = created;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /**
   * The prepared statement for `sql`, compiled once and kept for the life of the Store (the
   * table modules compile nothing per request). pluck() sticks to a statement, so one SQL
   * text must always be used one way.
   */
  stmt(sql: string): SqliteStatement {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  /**
   * fn in one BEGIN IMMEDIATE transaction without touching the change marker (the built-ins'
   * read-modify-write of their own tables); nested calls use a savepoint.
   */
  immediate<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /**
   * Runs fn in one BEGIN IMMEDIATE transaction and bumps the change marker when it changed a
   * row; nested calls join it. A transaction that changed nothing (a refused request, a delete
   * of a missing id) leaves the marker alone, so subscribers are not told of a change.
   */
  write<T>(fn: () => T): T {
    if (this.db.inTransaction) return fn();
    let seq = 0;
    const out = this.immediate(() => {
      const before = this.totalChanges();
      const result = fn();
      if (this.totalChanges() !== before) {
        seq = this.stmt("UPDATE change_seq SET seq = seq + 1 WHERE id = 1 RETURNING seq")
          .pluck()
          .get() as number;
      }
      return result;
    });
    if (seq === 0) return out;
    // After the commit: listeners (the change feed) see the new value.
    for (const listener of this.changeListeners) {
      try {
        listener(seq);
      } catch {
        // A listener's failure must not turn a committed write into an error.
      }
    }
    return out;
  }

  private totalChanges(): number {
    return this.stmt("SELECT total_changes()").pluck().get() as number;
  }

  /** Calls listener with the new change_seq after every write committed through this Store. */
  onChange(listener: (seq: number) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /**
   * `PRAGMA data_version`: changes when another connection (any process) commits to this
   * database; this connection's own commits leave it alone. Cheap: no table is read.
   */
  dataVersion(): number {
    return this.stmt("PRAGMA data_version").pluck().get() as number;
  }

  /** Monotonic counter bumped by every write transaction, from any process on this file. */
  changeSeq(): number {
    return (this.stmt("SELECT seq FROM change_seq WHERE id = 1").pluck().get() as number) ?? 0;
  }

  /** The sealing box, its key loaded on first use (a database without secrets needs none). */
  secretBox(): SecretBox {
    if (!this.box) {
      this.secretKey ??= loadSecretKey(this.path);
      this.box = new SecretBox(this.secretKey);
    }
    return this.box;
  }
}
