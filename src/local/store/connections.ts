import type { Store } from "./index.js";
import { asBuffer, type Page, pageOf } from "./shared.js";

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

const COLS =
  "id, external_id AS externalId, display_name AS displayName, integration_name AS integrationName, type, status, scope, workspace_id AS workspaceId, end_user_id AS endUserId, created_at AS createdAt, updated_at AS updatedAt";

/** connections, with their secrets sealed at rest (secrets.ts). */
export class ConnectionsTable {
  constructor(private readonly store: Store) {}

  get(id: string): ConnectionRecord | undefined {
    return this.store.stmt(`SELECT ${COLS} FROM connections WHERE id = ?`).get(id) as
      | ConnectionRecord
      | undefined;
  }

  getByExternalId(integrationName: string, externalId: string): ConnectionRecord | undefined {
    return this.store
      .stmt(`SELECT ${COLS} FROM connections WHERE integration_name = ? AND external_id = ?`)
      .get(integrationName, externalId) as ConnectionRecord | undefined;
  }

  list(
    filter: { workspaceId?: string; integrationName?: string; scope?: readonly string[] },
    page: Page,
  ): { items: ConnectionRecord[]; total: number } {
    // A workspace filter lists the connections usable there: the workspace's own and the
    // organisation's (no workspace), as pinning and execution accept them.
    const where = `WHERE (@ws IS NULL OR workspace_id = @ws OR workspace_id IS NULL)
      AND (@name IS NULL OR integration_name = @name)
      AND (@scope IS NULL OR workspace_id IS NULL OR workspace_id IN (SELECT value FROM json_each(@scope)))`;
    const params = {
      ws: filter.workspaceId ?? null,
      name: filter.integrationName ?? null,
      scope: filter.scope ? JSON.stringify(filter.scope) : null,
    };
    return pageOf<ConnectionRecord>(this.store, "connections", COLS, { where, params }, page);
  }

  insert(c: NewConnection): ConnectionRecord {
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
    this.store.write(() =>
      this.store
        .stmt(
          `INSERT INTO connections (id, org_id, external_id, display_name, integration_name, type, status, scope, workspace_id, end_user_id, secret_enc, created_at, updated_at)
         VALUES (@id, @orgId, @externalId, @displayName, @integrationName, @type, @status, @scope, @workspaceId, @endUserId, @secretEnc, @createdAt, @updatedAt)`,
        )
        .run({
          ...rec,
          orgId: this.store.orgId,
          secretEnc: c.secrets ? this.store.secretBox().seal(c.secrets, rec.id) : null,
        }),
    );
    return rec;
  }

  /**
   * A connection's secret fields, decrypted (for execution; never for an API answer).
   * Undefined when the connection has none or does not exist.
   */
  secrets(id: string): Record<string, unknown> | undefined {
    const blob = asBuffer(
      this.store.stmt("SELECT secret_enc FROM connections WHERE id = ?").pluck().get(id) as
        | Uint8Array
        | null
        | undefined,
    );
    if (!blob) return undefined;
    return this.store.secretBox().open(blob, id) as Record<string, unknown>;
  }

  delete(id: string): boolean {
    return this.store.write(
      () => this.store.stmt("DELETE FROM connections WHERE id = ?").run(id).changes > 0,
    );
  }

  /**
   * The end user's own connection for an integration: `end_user_id` is the caller's user id
   * (the end user's externalId); connections of another workspace do not count.
   */
  findForUser(
    integrationName: string,
    endUserId: string,
    workspaceId: string,
  ): ConnectionRecord | undefined {
    return this.store
      .stmt(
        `SELECT ${COLS} FROM connections
       WHERE integration_name = ? AND end_user_id = ? AND (workspace_id IS NULL OR workspace_id = ?)
       ORDER BY workspace_id IS NULL, created_at, rowid LIMIT 1`,
      )
      .get(integrationName, endUserId, workspaceId) as ConnectionRecord | undefined;
  }

  /** Connections that belong to an end user of a workspace (by their externalId). */
  ofEndUser(workspaceId: string, externalId: string): ConnectionRecord[] {
    return this.store
      .stmt(
        `SELECT ${COLS} FROM connections
       WHERE end_user_id = ? AND (workspace_id IS NULL OR workspace_id = ?) ORDER BY created_at, rowid`,
      )
      .all(externalId, workspaceId) as ConnectionRecord[];
  }
}
