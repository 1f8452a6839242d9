import type BetterSqlite3 from "better-sqlite3";
import type { ConnectionStrategy, McpAuthMode, McpServerMode } from "../domain/index.js";
import type { ChangeEntry, ChangePage, ChangeQuery } from "../domain/journal.js";
import * as journal from "./journal-store.js";
import { LOCAL_ORG_ID, MIGRATIONS } from "./migrations.js";
import { preparePrivateDatabase } from "./private-files.js";
import { loadSecretKey, SecretBox } from "./secrets.js";
import { Database } from "./sqlite.js";

export interface WorkspaceRecord {
  id: string;
  orgId: string;
  name: string;
  slug: string;
  createdAt: string;
  updatedAt: string;
}

export interface ConnectionRecord {
  id: string;
  externalId: string;
  displayName: string;
  integrationName: string;
  type: string;
  status: "ACTIVE" | "ERROR";
  scope: string;
  workspaceId: string | null;
  endUserId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface EndUserRecord {
  id: string;
  workspaceId: string;
  externalId: string;
  displayName: string | null;
  email: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A workspace integration exactly as the API returns it on create and update. */
export interface IntegrationRecord {
  id: string;
  workspaceId: string;
  orgId: string;
  integrationName: string;
  alias: string;
  displayName: string | null;
  connectionStrategy: ConnectionStrategy;
  connectionId: string | null;
  enabledActions: string[] | null;
  settings: Record<string, unknown>;
  sortOrder: number;
  createdAt: string;
  updatedAt: string;
}

/** An MCP server as the API returns it (the token hash stays in the database). */
export interface McpServerRecord {
  id: string;
  orgId: string;
  workspaceId: string;
  name: string;
  description: string | null;
  mode: McpServerMode;
  authMode: McpAuthMode;
  hasBearerToken: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface Page {
  limit: number;
  offset: number;
}

export interface NewConnection {
  externalId: string;
  displayName: string;
  integrationName: string;
  type: string;
  scope: string;
  workspaceId: string | null;
  endUserId: string | null;
  /** Secret fields (secretText, password, tokens, props): sealed at rest, never returned. */
  secrets: Record<string, unknown> | null;
  /** Fixed id (demo data); a random uuid otherwise. */
  id?: string;
}

const WS_COLS = "id, org_id AS orgId, name, slug, created_at AS createdAt, updated_at AS updatedAt";
const CONN_COLS =
  "id, external_id AS externalId, display_name AS displayName, integration_name AS integrationName, type, status, scope, workspace_id AS workspaceId, end_user_id AS endUserId, created_at AS createdAt, updated_at AS updatedAt";
const EU_COLS =
  "id, workspace_id AS workspaceId, external_id AS externalId, display_name AS displayName, email, created_at AS createdAt, updated_at AS updatedAt";
const MCP_COLS =
  "id, org_id AS orgId, workspace_id AS workspaceId, name, description, mode, auth_mode AS authMode, bearer_token_hash IS NOT NULL AS hasBearerToken, created_at AS createdAt, updated_at AS updatedAt";
const WI_COLS =
  "id, workspace_id AS workspaceId, org_id AS orgId, integration_name AS integrationName, alias, display_name AS displayName, connection_strategy AS connectionStrategy, connection_id AS connectionId, enabled_actions AS enabledActions, settings, sort_order AS sortOrder, created_at AS createdAt, updated_at AS updatedAt";

// The list response built by SQLite itself: one query, one string, no per-row JS work.
// Key order matches the spec's list example.
const WI_LIST_JSON = `
  SELECT json_object(
    'integrations', json_group_array(json_object(
      'id', wi.id,
      'workspaceId', wi.workspace_id,
      'orgId', wi.org_id,
      'integrationName', wi.integration_name,
      'alias', wi.alias,
      'displayName', wi.display_name,
      'connectionStrategy', wi.connection_strategy,
      'connectionId', wi.connection_id,
      'enabledActions', json(wi.enabled_actions),
      'settings', json(wi.settings),
      'sortOrder', wi.sort_order,
      'connectionStatus', c.status,
      'connectionDisplayName', c.display_name,
      'connectionExternalId', c.external_id,
      'createdAt', wi.created_at,
      'updatedAt', wi.updated_at
    ) ORDER BY wi.sort_order, wi.created_at, wi.rowid),
    'total', count(*)
  ) AS body
  FROM workspace_integrations wi
  LEFT JOIN connections c ON c.id = wi.connection_id
  WHERE wi.workspace_id = ?`;

type Row = Record<string, unknown>;

/** WHERE clause and parameters for lists filtered by one workspace and/or a key's scope. */
function workspaceFilter(filter: { workspaceId?: string; scope?: readonly string[] }) {
  return {
    where: `WHERE (@ws IS NULL OR workspace_id = @ws)
      AND (@scope IS NULL OR workspace_id IN (SELECT value FROM json_each(@scope)))`,
    params: {
      ws: filter.workspaceId ?? null,
      scope: filter.scope ? JSON.stringify(filter.scope) : null,
    },
  };
}

function toIntegration(row: Row): IntegrationRecord {
  return {
    ...(row as unknown as IntegrationRecord),
    enabledActions:
      row.enabledActions === null ? null : (JSON.parse(row.enabledActions as string) as string[]),
    settings: JSON.parse(row.settings as string) as Record<string, unknown>,
  };
}

function toMcpServer(row: Row): McpServerRecord {
  return { ...(row as unknown as McpServerRecord), hasBearerToken: row.hasBearerToken === 1 };
}

/** SQLite error codes better-sqlite3 reports, e.g. SQLITE_CONSTRAINT_UNIQUE. */
export function sqliteCode(err: unknown): string | undefined {
  if (err && typeof err === "object" && "code" in err && typeof err.code === "string") {
    return err.code.startsWith("SQLITE_") ? err.code : undefined;
  }
  return undefined;
}

export interface StoreOptions {
  /** Runs inside the migration transaction when the database file was brand new. */
  onCreate?: (store: Store) => void;
  /** Key sealing connection secrets; default: WEAVZ_LOCAL_SECRET_KEY or the key file. */
  secretKey?: Buffer;
  /** Change journal entries kept per workspace (--history-limit). */
  historyLimit?: number;
}

/**
 * The local API's SQLite store. WAL journal; every write goes through `write()`, a
 * `BEGIN IMMEDIATE` transaction that also bumps `change_seq`.
 *
 * Durability: WAL with `synchronous=NORMAL` loses nothing on a process crash (SIGKILL):
 * a committed transaction is in the WAL file, which the OS holds. Only a power loss or an OS
 * crash could roll back the last transactions; FULL would fsync every commit for that.
 */
export class Store {
  readonly db: BetterSqlite3.Database;
  /** True when this process created the schema (a brand-new database). */
  readonly created: boolean;
  readonly orgId = LOCAL_ORG_ID;
  private readonly stmts = new Map<string, BetterSqlite3.Statement>();
  private readonly listCache = new Map<string, { seq: number; body: Buffer }>();
  private readonly changeListeners = new Set<(seq: number) => void>();

  private readonly path: string;
  private secretKey: Buffer | undefined;
  private box: SecretBox | undefined;
  private readonly historyLimit: number | undefined;

  constructor(path: string, options: StoreOptions = {}) {
    this.path = path;
    this.historyLimit = options.historyLimit;
    this.secretKey = options.secretKey;
    preparePrivateDatabase(path);
    this.db = new Database(path, { timeout: 5000 });
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    this.db.pragma("foreign_keys = ON");
    this.db.pragma("busy_timeout = 5000");
    let created = false;
    const migrate = this.db.transaction(() => {
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
    migrate.immediate();
    this.created = created;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /**
   * The prepared statement for `sql`, compiled once and kept for the life of the Store (the
   * built-ins and routes that own a table use it too, rather than compiling per request).
   * pluck() and raw() stick to a statement, so one SQL text must always be used one way.
   */
  stmt(sql: string): BetterSqlite3.Statement {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  /**
   * Runs fn in one BEGIN IMMEDIATE transaction and bumps the change marker when it changed a
   * row; nested calls join it. A transaction that changed nothing (a refused request, a delete
   * of a missing id) leaves the marker alone, so subscribers are not told of a change.
   */
  write<T>(fn: () => T): T {
    if (this.db.inTransaction) return fn();
    let seq = 0;
    const tx = this.db.transaction(() => {
      const before = this.totalChanges();
      const out = fn();
      if (this.totalChanges() !== before) {
        seq = this.stmt("UPDATE change_seq SET seq = seq + 1 WHERE id = 1 RETURNING seq")
          .pluck()
          .get() as number;
      }
      return out;
    });
    const out = tx.immediate();
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

  // ---- API keys (stored forms only: see key-hash.ts) ----

  apiKeyCount(): number {
    return this.stmt("SELECT count(*) FROM api_keys").pluck().get() as number;
  }

  /** Every stored key form (scrypt PHC strings; unsalted SHA-256 hex in old databases). */
  apiKeyHashes(): string[] {
    return this.stmt("SELECT key_hash FROM api_keys").pluck().all() as string[];
  }

  /**
   * Replaces one stored form by a stronger one of the same key, if `old` is still there;
   * true if it was. Outside `write()` on purpose: the key set does not change, so neither
   * does the change marker (subscribers have nothing to hear about).
   */
  replaceApiKeyHash(old: string, fresh: string): boolean {
    return (
      this.stmt("UPDATE api_keys SET key_hash = ? WHERE key_hash = ?").run(fresh, old).changes > 0
    );
  }

  addApiKeyHash(hash: string): void {
    this.write(() =>
      this.stmt("INSERT OR IGNORE INTO api_keys (key_hash, created_at) VALUES (?, ?)").run(
        hash,
        new Date().toISOString(),
      ),
    );
  }

  // ---- Workspaces ----

  getWorkspace(id: string): WorkspaceRecord | undefined {
    return this.stmt(`SELECT ${WS_COLS} FROM workspaces WHERE id = ?`).get(id) as
      | WorkspaceRecord
      | undefined;
  }

  /** scope: only these workspace ids (a scoped key); undefined = all. */
  listWorkspaces(
    page: Page,
    scope?: readonly string[],
  ): { items: WorkspaceRecord[]; total: number } {
    const s = scope ? JSON.stringify(scope) : null;
    const where = "WHERE (? IS NULL OR id IN (SELECT value FROM json_each(?)))";
    const items = this.stmt(
      `SELECT ${WS_COLS} FROM workspaces ${where} ORDER BY created_at, rowid LIMIT ? OFFSET ?`,
    ).all(s, s, page.limit, page.offset) as WorkspaceRecord[];
    const total = this.stmt(`SELECT count(*) FROM workspaces ${where}`).pluck().get(s, s) as number;
    return { items, total };
  }

  insertWorkspace(name: string, slug: string, id: string = crypto.randomUUID()): WorkspaceRecord {
    const now = new Date().toISOString();
    const rec = { id, orgId: this.orgId, name, slug, createdAt: now, updatedAt: now };
    this.write(() =>
      this.stmt(
        "INSERT INTO workspaces (id, org_id, name, slug, created_at, updated_at) VALUES (@id, @orgId, @name, @slug, @createdAt, @updatedAt)",
      ).run(rec),
    );
    return rec;
  }

  getWorkspaceBySlug(slug: string): WorkspaceRecord | undefined {
    return this.stmt(`SELECT ${WS_COLS} FROM workspaces WHERE slug = ?`).get(slug) as
      | WorkspaceRecord
      | undefined;
  }

  // ---- Connections ----

  getConnection(id: string): ConnectionRecord | undefined {
    return this.stmt(`SELECT ${CONN_COLS} FROM connections WHERE id = ?`).get(id) as
      | ConnectionRecord
      | undefined;
  }

  getConnectionByExternalId(integrationName: string, externalId: string) {
    return this.stmt(
      `SELECT ${CONN_COLS} FROM connections WHERE integration_name = ? AND external_id = ?`,
    ).get(integrationName, externalId) as ConnectionRecord | undefined;
  }

  listConnections(
    filter: { workspaceId?: string; integrationName?: string; scope?: readonly string[] },
    page: Page,
  ): { items: ConnectionRecord[]; total: number } {
    const s = filter.scope ? JSON.stringify(filter.scope) : null;
    // A workspace filter lists the connections usable there: the workspace's own and the
    // organisation's (no workspace), as pinning and execution accept them.
    const where = `WHERE (@ws IS NULL OR workspace_id = @ws OR workspace_id IS NULL)
      AND (@name IS NULL OR integration_name = @name)
      AND (@scope IS NULL OR workspace_id IS NULL OR workspace_id IN (SELECT value FROM json_each(@scope)))`;
    const params = {
      ws: filter.workspaceId ?? null,
      name: filter.integrationName ?? null,
      scope: s,
    };
    const items = this.stmt(
      `SELECT ${CONN_COLS} FROM connections ${where} ORDER BY created_at, rowid LIMIT @limit OFFSET @offset`,
    ).all({ ...params, limit: page.limit, offset: page.offset }) as ConnectionRecord[];
    const total = this.stmt(`SELECT count(*) FROM connections ${where}`)
      .pluck()
      .get(params) as number;
    return { items, total };
  }

  insertConnection(c: NewConnection): ConnectionRecord {
    const now = new Date().toISOString();
    const rec: ConnectionRecord = {
      id: c.id ?? crypto.randomUUID(),
      externalId: c.externalId,
      displayName: c.displayName,
      integrationName: c.integrationName,
      type: c.type,
      status: "ACTIVE",
      scope: c.scope,
      workspaceId: c.workspaceId,
      endUserId: c.endUserId,
      createdAt: now,
      updatedAt: now,
    };
    this.write(() =>
      this.stmt(
        `INSERT INTO connections (id, org_id, external_id, display_name, integration_name, type, status, scope, workspace_id, end_user_id, secret_enc, created_at, updated_at)
         VALUES (@id, @orgId, @externalId, @displayName, @integrationName, @type, @status, @scope, @workspaceId, @endUserId, @secretEnc, @createdAt, @updatedAt)`,
      ).run({
        ...rec,
        orgId: this.orgId,
        secretEnc: c.secrets ? this.secretBox().seal(c.secrets, rec.id) : null,
      }),
    );
    return rec;
  }

  /**
   * A connection's secret fields, decrypted (for execution; never for an API answer).
   * Undefined when the connection has none or does not exist.
   */
  connectionSecrets(id: string): Record<string, unknown> | undefined {
    const blob = this.stmt("SELECT secret_enc FROM connections WHERE id = ?").pluck().get(id) as
      | Buffer
      | null
      | undefined;
    if (!blob) return undefined;
    return this.secretBox().open(blob, id) as Record<string, unknown>;
  }

  /** The sealing box, its key loaded on first use (a database without secrets needs none). */
  private secretBox(): SecretBox {
    if (!this.box) {
      this.secretKey ??= loadSecretKey(this.path);
      this.box = new SecretBox(this.secretKey);
    }
    return this.box;
  }

  /** Workspace integrations pinning a connection. */
  integrationsUsingConnection(
    connectionId: string,
  ): Array<{ id: string; workspaceId: string; alias: string }> {
    return this.stmt(
      "SELECT id, workspace_id AS workspaceId, alias FROM workspace_integrations WHERE connection_id = ? ORDER BY workspace_id, alias",
    ).all(connectionId) as Array<{ id: string; workspaceId: string; alias: string }>;
  }

  deleteConnection(id: string): boolean {
    return this.write(() => this.stmt("DELETE FROM connections WHERE id = ?").run(id).changes > 0);
  }

  /**
   * The end user's own connection for an integration: `end_user_id` is the caller's user id
   * (the end user's externalId); connections of another workspace do not count.
   */
  findUserConnection(
    integrationName: string,
    endUserId: string,
    workspaceId: string,
  ): ConnectionRecord | undefined {
    return this.stmt(
      `SELECT ${CONN_COLS} FROM connections
       WHERE integration_name = ? AND end_user_id = ? AND (workspace_id IS NULL OR workspace_id = ?)
       ORDER BY workspace_id IS NULL, created_at, rowid LIMIT 1`,
    ).get(integrationName, endUserId, workspaceId) as ConnectionRecord | undefined;
  }

  // ---- End users ----

  getEndUser(id: string): EndUserRecord | undefined {
    return this.stmt(`SELECT ${EU_COLS} FROM end_users WHERE id = ?`).get(id) as
      | EndUserRecord
      | undefined;
  }

  /** Connections that belong to an end user of a workspace (by their externalId). */
  endUserConnections(workspaceId: string, externalId: string): ConnectionRecord[] {
    return this.stmt(
      `SELECT ${CONN_COLS} FROM connections
       WHERE end_user_id = ? AND (workspace_id IS NULL OR workspace_id = ?) ORDER BY created_at, rowid`,
    ).all(externalId, workspaceId) as ConnectionRecord[];
  }

  deleteEndUser(id: string): boolean {
    return this.write(() => this.stmt("DELETE FROM end_users WHERE id = ?").run(id).changes > 0);
  }

  getEndUserByExternalId(workspaceId: string, externalId: string): EndUserRecord | undefined {
    return this.stmt(
      `SELECT ${EU_COLS} FROM end_users WHERE workspace_id = ? AND external_id = ?`,
    ).get(workspaceId, externalId) as EndUserRecord | undefined;
  }

  listEndUsers(
    filter: { workspaceId?: string; scope?: readonly string[] },
    page: Page,
  ): { items: EndUserRecord[]; total: number } {
    const { where, params } = workspaceFilter(filter);
    const items = this.stmt(
      `SELECT ${EU_COLS} FROM end_users ${where} ORDER BY created_at, rowid LIMIT @limit OFFSET @offset`,
    ).all({ ...params, limit: page.limit, offset: page.offset }) as EndUserRecord[];
    const total = this.stmt(`SELECT count(*) FROM end_users ${where}`)
      .pluck()
      .get(params) as number;
    return { items, total };
  }

  insertEndUser(u: {
    workspaceId: string;
    externalId: string;
    displayName: string | null;
    email: string | null;
    id?: string;
  }): EndUserRecord {
    const now = new Date().toISOString();
    const rec: EndUserRecord = {
      id: u.id ?? crypto.randomUUID(),
      workspaceId: u.workspaceId,
      externalId: u.externalId,
      displayName: u.displayName,
      email: u.email,
      createdAt: now,
      updatedAt: now,
    };
    this.write(() =>
      this.stmt(
        `INSERT INTO end_users (id, workspace_id, external_id, display_name, email, created_at, updated_at)
         VALUES (@id, @workspaceId, @externalId, @displayName, @email, @createdAt, @updatedAt)`,
      ).run(rec),
    );
    return rec;
  }

  // ---- Workspace integrations ----

  /**
   * The list response body as UTF-8 JSON bytes, built by one SQL query and cached per
   * workspace until the change marker moves (any write, from any process on this database).
   */
  listIntegrationsJson(workspaceId: string): Buffer {
    const seq = this.changeSeq();
    const hit = this.listCache.get(workspaceId);
    if (hit && hit.seq === seq) return hit.body;
    const body = Buffer.from(this.stmt(WI_LIST_JSON).pluck().get(workspaceId) as string, "utf8");
    if (this.listCache.size >= 64) this.listCache.clear();
    this.listCache.set(workspaceId, { seq, body });
    return body;
  }

  getIntegration(workspaceId: string, id: string): IntegrationRecord | undefined {
    const row = this.stmt(
      `SELECT ${WI_COLS} FROM workspace_integrations WHERE workspace_id = ? AND id = ?`,
    ).get(workspaceId, id) as Row | undefined;
    return row ? toIntegration(row) : undefined;
  }

  getIntegrationByAlias(workspaceId: string, alias: string): IntegrationRecord | undefined {
    const row = this.stmt(
      `SELECT ${WI_COLS} FROM workspace_integrations WHERE workspace_id = ? AND alias = ?`,
    ).get(workspaceId, alias) as Row | undefined;
    return row ? toIntegration(row) : undefined;
  }

  private integrationParams(r: IntegrationRecord) {
    return {
      ...r,
      enabledActions: r.enabledActions === null ? null : JSON.stringify(r.enabledActions),
      settings: JSON.stringify(r.settings),
    };
  }

  /**
   * Inserts; throws SQLITE_CONSTRAINT_UNIQUE when the alias is taken. With `change`, the
   * write is journaled in its own transaction (as for update and delete).
   */
  insertIntegration(r: IntegrationRecord, change?: journal.WriteContext): void {
    this.write(() => {
      this.stmt(
        `INSERT INTO workspace_integrations (id, workspace_id, org_id, integration_name, alias, display_name, connection_strategy, connection_id, enabled_actions, settings, sort_order, created_at, updated_at)
         VALUES (@id, @workspaceId, @orgId, @integrationName, @alias, @displayName, @connectionStrategy, @connectionId, @enabledActions, @settings, @sortOrder, @createdAt, @updatedAt)`,
      ).run(this.integrationParams(r));
      if (change) this.journalWrite(r.workspaceId, null, r, change);
    });
  }

  /** Replaces the mutable fields; throws SQLITE_CONSTRAINT_UNIQUE when the alias is taken. */
  updateIntegration(r: IntegrationRecord, change?: journal.WriteContext): void {
    this.write(() => {
      const before = change ? this.getIntegration(r.workspaceId, r.id) : undefined;
      this.stmt(
        `UPDATE workspace_integrations SET alias = @alias, display_name = @displayName,
           connection_strategy = @connectionStrategy, connection_id = @connectionId,
           enabled_actions = @enabledActions, settings = @settings, sort_order = @sortOrder,
           updated_at = @updatedAt
         WHERE workspace_id = @workspaceId AND id = @id`,
      ).run(this.integrationParams(r));
      if (change && before) this.journalWrite(r.workspaceId, before, r, change);
    });
  }

  deleteIntegration(workspaceId: string, id: string, change?: journal.WriteContext): boolean {
    return this.write(() => {
      const before = change ? this.getIntegration(workspaceId, id) : undefined;
      const gone =
        this.stmt("DELETE FROM workspace_integrations WHERE workspace_id = ? AND id = ?").run(
          workspaceId,
          id,
        ).changes > 0;
      if (gone && change && before) this.journalWrite(workspaceId, before, null, change);
      return gone;
    });
  }

  // ---- Change journal (SQL in journal-store.ts) ----

  private journalWrite(
    workspaceId: string,
    before: IntegrationRecord | null,
    after: IntegrationRecord | null,
    change: journal.WriteContext,
  ): void {
    const entry = journal.integrationChange(workspaceId, before, after, change);
    if (entry) journal.insertChanges(this, [entry], this.historyLimit);
  }

  listHistory(q: ChangeQuery): ChangePage {
    return journal.listChanges(this, q);
  }

  getHistoryEntry(id: string): ChangeEntry | undefined {
    return journal.getChange(this, id);
  }

  lastHistoryEntry(): { id: string; workspaceId: string } | undefined {
    return journal.lastChange(this);
  }

  /** A workspace's integrations in list order (sortOrder, createdAt). */
  listIntegrationRecords(workspaceId: string): IntegrationRecord[] {
    return (
      this.stmt(
        `SELECT ${WI_COLS} FROM workspace_integrations WHERE workspace_id = ? ORDER BY sort_order, created_at, rowid`,
      ).all(workspaceId) as Row[]
    ).map(toIntegration);
  }

  /** Integrations of a workspace using the strict per_user strategy. */
  perUserIntegrations(
    workspaceId: string,
  ): Array<{ id: string; alias: string; integrationName: string }> {
    return this.stmt(
      "SELECT id, alias, integration_name AS integrationName FROM workspace_integrations WHERE workspace_id = ? AND connection_strategy = 'per_user' ORDER BY alias",
    ).all(workspaceId) as Array<{ id: string; alias: string; integrationName: string }>;
  }

  /** Seeds many integrations in one transaction (benchmarks, tests). */
  bulkInsertIntegrations(records: IntegrationRecord[]): void {
    this.write(() => {
      for (const r of records) this.insertIntegration(r);
    });
  }

  // ---- MCP servers ----

  getMcpServer(id: string): McpServerRecord | undefined {
    const row = this.stmt(`SELECT ${MCP_COLS} FROM mcp_servers WHERE id = ?`).get(id) as
      | Row
      | undefined;
    return row ? toMcpServer(row) : undefined;
  }

  listMcpServers(
    filter: { workspaceId?: string; scope?: readonly string[] },
    page: Page,
  ): { items: McpServerRecord[]; total: number } {
    const { where, params } = workspaceFilter(filter);
    const items = (
      this.stmt(
        `SELECT ${MCP_COLS} FROM mcp_servers ${where} ORDER BY created_at, rowid LIMIT @limit OFFSET @offset`,
      ).all({ ...params, limit: page.limit, offset: page.offset }) as Row[]
    ).map(toMcpServer);
    const total = this.stmt(`SELECT count(*) FROM mcp_servers ${where}`)
      .pluck()
      .get(params) as number;
    return { items, total };
  }

  /** MCP servers of a workspace holding a static bearer token. */
  bearerMcpServers(workspaceId: string): Array<{ id: string; name: string }> {
    return this.stmt(
      "SELECT id, name FROM mcp_servers WHERE workspace_id = ? AND bearer_token_hash IS NOT NULL ORDER BY created_at, rowid",
    ).all(workspaceId) as Array<{ id: string; name: string }>;
  }

  /** The stored form of an MCP server's static bearer token; null without one, undefined when no such server. */
  mcpServerTokenHash(id: string): string | null | undefined {
    const row = this.stmt("SELECT bearer_token_hash AS h FROM mcp_servers WHERE id = ?").get(id) as
      | { h: string | null }
      | undefined;
    return row ? row.h : undefined;
  }

  /** Inserts; tokenHash is the stored form of the bearer token (key-hash.ts), or null. */
  insertMcpServer(r: McpServerRecord, tokenHash: string | null): void {
    this.write(() =>
      this.stmt(
        `INSERT INTO mcp_servers (id, org_id, workspace_id, name, description, mode, auth_mode, bearer_token_hash, created_at, updated_at)
         VALUES (@id, @orgId, @workspaceId, @name, @description, @mode, @authMode, @tokenHash, @createdAt, @updatedAt)`,
      ).run({
        id: r.id,
        orgId: r.orgId,
        workspaceId: r.workspaceId,
        name: r.name,
        description: r.description,
        mode: r.mode,
        authMode: r.authMode,
        tokenHash,
        createdAt: r.createdAt,
        updatedAt: r.updatedAt,
      }),
    );
  }

  /** Replaces the mutable fields; tokenHash: a new hash, null to drop it, undefined to keep it. */
  updateMcpServer(r: McpServerRecord, tokenHash: string | null | undefined): void {
    this.write(() =>
      this.stmt(
        `UPDATE mcp_servers SET name = @name, description = @description, mode = @mode,
           auth_mode = @authMode, updated_at = @updatedAt,
           bearer_token_hash = CASE WHEN @keep = 1 THEN bearer_token_hash ELSE @tokenHash END
         WHERE id = @id`,
      ).run({
        id: r.id,
        name: r.name,
        description: r.description,
        mode: r.mode,
        authMode: r.authMode,
        updatedAt: r.updatedAt,
        keep: tokenHash === undefined ? 1 : 0,
        tokenHash: tokenHash ?? null,
      }),
    );
  }

  /**
   * Replaces the stored form of a server's token by a stronger one of the same token, if `old`
   * is still there; true if it was. Outside `write()`, like replaceApiKeyHash: nothing a
   * client can see changes.
   */
  replaceMcpServerTokenHash(id: string, old: string, fresh: string): boolean {
    return (
      this.stmt(
        "UPDATE mcp_servers SET bearer_token_hash = ? WHERE id = ? AND bearer_token_hash = ?",
      ).run(fresh, id, old).changes > 0
    );
  }

  deleteMcpServer(id: string): boolean {
    return this.write(() => this.stmt("DELETE FROM mcp_servers WHERE id = ?").run(id).changes > 0);
  }
}
