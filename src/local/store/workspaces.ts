import type { Store } from "./index.js";
import { type Page, pageOf } from "./shared.js";

export interface WorkspaceRecord {
  id: string;
  orgId: string;
  name: string;
  slug: string;
  createdAt: string;
  updatedAt: string;
}

const COLS = "id, org_id AS orgId, name, slug, created_at AS createdAt, updated_at AS updatedAt";

/** workspaces */
export class WorkspacesTable {
  constructor(private readonly store: Store) {}

  get(id: string): WorkspaceRecord | undefined {
    return this.store.stmt(`SELECT ${COLS} FROM workspaces WHERE id = ?`).get(id) as
      | WorkspaceRecord
      | undefined;
  }

  getBySlug(slug: string): WorkspaceRecord | undefined {
    return this.store.stmt(`SELECT ${COLS} FROM workspaces WHERE slug = ?`).get(slug) as
      | WorkspaceRecord
      | undefined;
  }

  /** scope: only these workspace ids (a scoped key); undefined = all. */
  list(page: Page, scope?: readonly string[]): { items: WorkspaceRecord[]; total: number } {
    const where = "WHERE (@scope IS NULL OR id IN (SELECT value FROM json_each(@scope)))";
    const params = { scope: scope ? JSON.stringify(scope) : null };
    return pageOf<WorkspaceRecord>(this.store, "workspaces", COLS, { where, params }, page);
  }

  insert(name: string, slug: string, id: string = crypto.randomUUID()): WorkspaceRecord {
    const now = new Date().toISOString();
    const rec = { id, orgId: this.store.orgId, name, slug, createdAt: now, updatedAt: now };
    this.store.write(() =>
      this.store
        .stmt(
          "INSERT INTO workspaces (id, org_id, name, slug, created_at, updated_at) VALUES (@id, @orgId, @name, @slug, @createdAt, @updatedAt)",
        )
        .run(rec),
    );
    return rec;
  }
}
