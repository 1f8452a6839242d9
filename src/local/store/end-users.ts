import type { Store } from "./index.js";
import { type Page, pageOf, workspaceFilter } from "./shared.js";

export interface EndUserRecord {
  id: string;
  workspaceId: string;
  externalId: string;
  displayName: string | null;
  email: string | null;
  createdAt: string;
  updatedAt: string;
}

const COLS =
  "id, workspace_id AS workspaceId, external_id AS externalId, display_name AS displayName, email, created_at AS createdAt, updated_at AS updatedAt";

/** end_users */
export class EndUsersTable {
  constructor(private readonly store: Store) {}

  get(id: string): EndUserRecord | undefined {
    return this.store.stmt(`SELECT ${COLS} FROM end_users WHERE id = ?`).get(id) as
      | EndUserRecord
      | undefined;
  }

  getByExternalId(workspaceId: string, externalId: string): EndUserRecord | undefined {
    return this.store
      .stmt(`SELECT ${COLS} FROM end_users WHERE workspace_id = ? AND external_id = ?`)
      .get(workspaceId, externalId) as EndUserRecord | undefined;
  }

  list(
    filter: { workspaceId?: string; scope?: readonly string[] },
    page: Page,
  ): { items: EndUserRecord[]; total: number } {
    return pageOf<EndUserRecord>(this.store, "end_users", COLS, workspaceFilter(filter), page);
  }

  insert(u: {
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
    this.store.write(() =>
      this.store
        .stmt(
          `INSERT INTO end_users (id, workspace_id, external_id, display_name, email, created_at, updated_at)
         VALUES (@id, @workspaceId, @externalId, @displayName, @email, @createdAt, @updatedAt)`,
        )
        .run(rec),
    );
    return rec;
  }

  delete(id: string): boolean {
    return this.store.write(
      () => this.store.stmt("DELETE FROM end_users WHERE id = ?").run(id).changes > 0,
    );
  }
}
