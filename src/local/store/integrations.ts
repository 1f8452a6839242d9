import type { IntegrationConfig } from "../../domain/integration-rules.js";
import type { Store } from "./index.js";
import type { WriteContext } from "./journal.js";
import type { Row } from "./shared.js";

/**
 * A workspace integration exactly as the API returns it on create and update: the domain's
 * checked configuration plus the identity and timestamps the store adds.
 */
export interface IntegrationRecord extends IntegrationConfig {
  id: string;
  workspaceId: string;
  orgId: string;
  createdAt: string;
  updatedAt: string;
}

const COLS =
  "id, workspace_id AS workspaceId, org_id AS orgId, integration_name AS integrationName, alias, display_name AS displayName, connection_strategy AS connectionStrategy, connection_id AS connectionId, enabled_actions AS enabledActions, settings, sort_order AS sortOrder, created_at AS createdAt, updated_at AS updatedAt";

// The list response built by SQLite itself: one query, one string, no per-row JS work.
// Key order matches the spec's list example.
const LIST_JSON = `
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

function toRecord(row: Row): IntegrationRecord {
  return {
    ...(row as unknown as IntegrationRecord),
    enabledActions:
      row.enabledActions === null ? null : (JSON.parse(row.enabledActions as string) as string[]),
    settings: JSON.parse(row.settings as string) as Record<string, unknown>,
  };
}

/** The columns an update may change, as bound parameters (no other key: node:sqlite refuses). */
function mutable(r: IntegrationRecord) {
  return {
    id: r.id,
    workspaceId: r.workspaceId,
    alias: r.alias,
    displayName: r.displayName,
    connectionStrategy: r.connectionStrategy,
    connectionId: r.connectionId,
    enabledActions: r.enabledActions === null ? null : JSON.stringify(r.enabledActions),
    settings: JSON.stringify(r.settings),
    sortOrder: r.sortOrder,
    updatedAt: r.updatedAt,
  };
}

/** workspace_integrations, with a per-workspace cache of the list body. */
export class IntegrationsTable {
  private readonly listCache = new Map<string, { seq: number; body: Buffer }>();

  constructor(private readonly store: Store) {}

  /**
   * The list response body as UTF-8 JSON bytes, built by one SQL query and cached per
   * workspace until the change marker moves (any write, from any process on this database).
   */
  listJson(workspaceId: string): Buffer {
    const seq = this.store.changeSeq();
    const hit = this.listCache.get(workspaceId);
    if (hit && hit.seq === seq) return hit.body;
    const body = Buffer.from(this.store.stmt(LIST_JSON).pluck().get(workspaceId) as string, "utf8");
    if (this.listCache.size >= 64) this.listCache.clear();
    this.listCache.set(workspaceId, { seq, body });
    return body;
  }

  get(workspaceId: string, id: string): IntegrationRecord | undefined {
    const row = this.store
      .stmt(`SELECT ${COLS} FROM workspace_integrations WHERE workspace_id = ? AND id = ?`)
      .get(workspaceId, id) as Row | undefined;
    return row ? toRecord(row) : undefined;
  }

  getByAlias(workspaceId: string, alias: string): IntegrationRecord | undefined {
    const row = this.store
      .stmt(`SELECT ${COLS} FROM workspace_integrations WHERE workspace_id = ? AND alias = ?`)
      .get(workspaceId, alias) as Row | undefined;
    return row ? toRecord(row) : undefined;
  }

  /**
   * Inserts; throws SQLITE_CONSTRAINT_UNIQUE when the alias is taken. With `change`, the write
   * is journaled in the same transaction (as for update and delete).
   */
  insert(r: IntegrationRecord, change?: WriteContext): void {
    this.store.write(() => {
      this.store
        .stmt(
          `INSERT INTO workspace_integrations (id, workspace_id, org_id, integration_name, alias, display_name, connection_strategy, connection_id, enabled_actions, settings, sort_order, created_at, updated_at)
         VALUES (@id, @workspaceId, @orgId, @integrationName, @alias, @displayName, @connectionStrategy, @connectionId, @enabledActions, @settings, @sortOrder, @createdAt, @updatedAt)`,
        )
        .run({
          ...mutable(r),
          orgId: r.orgId,
          integrationName: r.integrationName,
          createdAt: r.createdAt,
        });
      if (change) this.store.journal.record(r.workspaceId, null, r, change);
    });
  }

  /**
   * Replaces the mutable fields; throws SQLITE_CONSTRAINT_UNIQUE when the alias is taken. With
   * `journal`, the write is journaled in the same transaction against `before`, the record the
   * caller read in that transaction (so it is not read twice).
   */
  update(
    r: IntegrationRecord,
    journal?: { before: IntegrationRecord; change: WriteContext },
  ): void {
    this.store.write(() => {
      this.store
        .stmt(
          `UPDATE workspace_integrations SET alias = @alias, display_name = @displayName,
           connection_strategy = @connectionStrategy, connection_id = @connectionId,
           enabled_actions = @enabledActions, settings = @settings, sort_order = @sortOrder,
           updated_at = @updatedAt
         WHERE workspace_id = @workspaceId AND id = @id`,
        )
        .run(mutable(r));
      if (journal) this.store.journal.record(r.workspaceId, journal.before, r, journal.change);
    });
  }

  delete(workspaceId: string, id: string, change?: WriteContext): boolean {
    return this.store.write(() => {
      const before = change ? this.get(workspaceId, id) : undefined;
      const gone =
        this.store
          .stmt("DELETE FROM workspace_integrations WHERE workspace_id = ? AND id = ?")
          .run(workspaceId, id).changes > 0;
      if (gone && change && before) this.store.journal.record(workspaceId, before, null, change);
      return gone;
    });
  }

  /** A workspace's integrations in list order (sortOrder, createdAt). */
  records(workspaceId: string): IntegrationRecord[] {
    return (
      this.store
        .stmt(
          `SELECT ${COLS} FROM workspace_integrations WHERE workspace_id = ? ORDER BY sort_order, created_at, rowid`,
        )
        .all(workspaceId) as Row[]
    ).map(toRecord);
  }

  /** Integrations of a workspace using the strict per_user strategy. */
  perUser(workspaceId: string): Array<{ id: string; alias: string; integrationName: string }> {
    return this.store
      .stmt(
        "SELECT id, alias, integration_name AS integrationName FROM workspace_integrations WHERE workspace_id = ? AND connection_strategy = 'per_user' ORDER BY alias",
      )
      .all(workspaceId) as Array<{ id: string; alias: string; integrationName: string }>;
  }

  /** Workspace integrations pinning a connection. */
  usingConnection(connectionId: string): Array<{ id: string; workspaceId: string; alias: string }> {
    return this.store
      .stmt(
        "SELECT id, workspace_id AS workspaceId, alias FROM workspace_integrations WHERE connection_id = ? ORDER BY workspace_id, alias",
      )
      .all(connectionId) as Array<{ id: string; workspaceId: string; alias: string }>;
  }

  /** Seeds many integrations in one transaction (benchmarks, tests). */
  bulkInsert(records: IntegrationRecord[]): void {
    this.store.write(() => {
      for (const r of records) this.insert(r);
    });
  }
}
