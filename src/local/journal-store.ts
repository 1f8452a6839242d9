import {
  type ChangeEntry,
  type ChangePage,
  type ChangeQuery,
  DEFAULT_HISTORY_LIMIT,
  type NewChange,
  stampChange,
} from "../domain/journal.js";

/**
 * The change journal's SQL, shared by the local API's store (entries written inside the same
 * BEGIN IMMEDIATE transaction as the change they describe, so no change exists without its
 * entry) and the MCP server's own journal file in hosted mode (src/journal/sqlite.ts).
 *
 * Kept to plain prepared statements (run/get/all, no pluck/raw) so it runs on any SQLite
 * driver with that shape. The entry is stored whole as JSON; the columns beside it are what
 * lists filter and order on.
 */
export interface SqlStatement {
  run(...params: unknown[]): { changes: number | bigint };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}
export interface SqlHost {
  stmt(sql: string): SqlStatement;
}

/** The journal table; MIGRATIONS appends it to the local API schema, the hosted file runs it alone. */
export const JOURNAL_SCHEMA = `
  CREATE TABLE IF NOT EXISTS change_journal (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    workspace_id TEXT NOT NULL,
    time TEXT NOT NULL,
    integration_id TEXT NOT NULL,
    alias TEXT NOT NULL,
    before_alias TEXT,
    plan_id TEXT,
    entry TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS change_journal_workspace ON change_journal(workspace_id, seq);
  CREATE INDEX IF NOT EXISTS change_journal_plan ON change_journal(plan_id) WHERE plan_id IS NOT NULL;
  CREATE INDEX IF NOT EXISTS change_journal_integration ON change_journal(workspace_id, integration_id);
`;

/**
 * Appends entries and trims each workspace to its last `limit`. Call inside a transaction
 * (the caller's write); entries get their id and time here.
 */
export function insertChanges(
  db: SqlHost,
  changes: readonly NewChange[],
  limit: number = DEFAULT_HISTORY_LIMIT,
): ChangeEntry[] {
  const out: ChangeEntry[] = [];
  const insert = db.stmt(
    `INSERT INTO change_journal (id, workspace_id, time, integration_id, alias, before_alias, plan_id, entry)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const workspaces = new Set<string>();
  for (const c of changes) {
    const entry = stampChange(c);
    insert.run(
      entry.id,
      entry.workspaceId,
      entry.time,
      entry.target.integrationId,
      entry.target.alias,
      entry.before?.alias ?? null,
      entry.planId,
      JSON.stringify(entry),
    );
    workspaces.add(entry.workspaceId);
    out.push(entry);
  }
  for (const ws of workspaces) trim(db, ws, limit);
  return out;
}

/** Deletes a workspace's entries older than its newest `limit`. */
function trim(db: SqlHost, workspaceId: string, limit: number): void {
  const edge = db
    .stmt(
      "SELECT seq FROM change_journal WHERE workspace_id = ? ORDER BY seq DESC LIMIT 1 OFFSET ?",
    )
    .get(workspaceId, limit) as { seq: number } | undefined;
  if (edge) {
    db.stmt("DELETE FROM change_journal WHERE workspace_id = ? AND seq <= ?").run(
      workspaceId,
      edge.seq,
    );
  }
}

const FILTER = `WHERE workspace_id = @ws
  AND (@integration IS NULL OR integration_id = @integration OR alias = @integration OR before_alias = @integration)
  AND (@since IS NULL OR time >= @since)
  AND (@plan IS NULL OR plan_id = @plan)`;

/** A page of entries: newest first; in step order when filtered by plan. */
export function listChanges(db: SqlHost, q: ChangeQuery): ChangePage {
  const params = {
    ws: q.workspaceId,
    integration: q.integration ?? null,
    since: q.since ?? null,
    plan: q.planId ?? null,
  };
  const order = q.planId ? "seq ASC" : "seq DESC";
  const rows = db
    .stmt(
      `SELECT entry FROM change_journal ${FILTER} ORDER BY ${order} LIMIT @limit OFFSET @offset`,
    )
    .all({ ...params, limit: q.limit, offset: q.offset }) as Array<{ entry: string }>;
  const total = (
    db.stmt(`SELECT count(*) AS n FROM change_journal ${FILTER}`).get(params) as { n: number }
  ).n;
  return { entries: rows.map((r) => JSON.parse(r.entry) as ChangeEntry), total };
}

export function getChange(db: SqlHost, id: string): ChangeEntry | undefined {
  const row = db.stmt("SELECT entry FROM change_journal WHERE id = ?").get(id) as
    | { entry: string }
    | undefined;
  return row ? (JSON.parse(row.entry) as ChangeEntry) : undefined;
}

/** The newest entry (any workspace): what the change feed reports with its counter. */
export function lastChange(db: SqlHost): { id: string; workspaceId: string } | undefined {
  return db
    .stmt("SELECT id, workspace_id AS workspaceId FROM change_journal ORDER BY seq DESC LIMIT 1")
    .get() as { id: string; workspaceId: string } | undefined;
}

// One entry builder for every recorder (this store and the hosted-mode wrapper): the domain's.
export { integrationChange, type WriteContext } from "../domain/journal.js";
