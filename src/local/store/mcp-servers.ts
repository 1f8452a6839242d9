import type { McpAuthMode, McpServerMode } from "../../domain/index.js";
import type { Store } from "./index.js";
import { type Page, pageOf, type Row, workspaceFilter } from "./shared.js";

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

const COLS =
  "id, org_id AS orgId, workspace_id AS workspaceId, name, description, mode, auth_mode AS authMode, bearer_token_hash IS NOT NULL AS hasBearerToken, created_at AS createdAt, updated_at AS updatedAt";

function toRecord(row: Row): McpServerRecord {
  return { ...(row as unknown as McpServerRecord), hasBearerToken: row.hasBearerToken === 1 };
}

/** mcp_servers, with the stored form of their static bearer tokens (key-hash.ts). */
export class McpServersTable {
  constructor(private readonly store: Store) {}

  get(id: string): McpServerRecord | undefined {
    const row = this.store.stmt(`SELECT ${COLS} FROM mcp_servers WHERE id = ?`).get(id) as
      | Row
      | undefined;
    return row ? toRecord(row) : undefined;
  }

  list(
    filter: { workspaceId?: string; scope?: readonly string[] },
    page: Page,
  ): { items: McpServerRecord[]; total: number } {
    const { items, total } = pageOf(this.store, "mcp_servers", COLS, workspaceFilter(filter), page);
    return { items: items.map(toRecord), total };
  }

  /** MCP servers of a workspace holding a static bearer token. */
  withBearer(workspaceId: string): Array<{ id: string; name: string }> {
    return this.store
      .stmt(
        "SELECT id, name FROM mcp_servers WHERE workspace_id = ? AND bearer_token_hash IS NOT NULL ORDER BY created_at, rowid",
      )
      .all(workspaceId) as Array<{ id: string; name: string }>;
  }

  /** The stored form of a server's static bearer token; null without one, undefined when no such server. */
  tokenHash(id: string): string | null | undefined {
    const row = this.store
      .stmt("SELECT bearer_token_hash AS h FROM mcp_servers WHERE id = ?")
      .get(id) as { h: string | null } | undefined;
    return row ? row.h : undefined;
  }

  /** Inserts; tokenHash is the stored form of the bearer token (key-hash.ts), or null. */
  insert(r: McpServerRecord, tokenHash: string | null): void {
    this.store.write(() =>
      this.store
        .stmt(
          `INSERT INTO mcp_servers (id, org_id, workspace_id, name, description, mode, auth_mode, bearer_token_hash, created_at, updated_at)
         VALUES (@id, @orgId, @workspaceId, @name, @description, @mode, @authMode, @tokenHash, @createdAt, @updatedAt)`,
        )
        .run({
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
  update(r: McpServerRecord, tokenHash: string | null | undefined): void {
    this.store.write(() =>
      this.store
        .stmt(
          `UPDATE mcp_servers SET name = @name, description = @description, mode = @mode,
           auth_mode = @authMode, updated_at = @updatedAt,
           bearer_token_hash = CASE WHEN @keep = 1 THEN bearer_token_hash ELSE @tokenHash END
         WHERE id = @id`,
        )
        .run({
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
   * is still there; true if it was. Outside `write()`, like ApiKeysTable.replaceHash: nothing
   * a client can see changes.
   */
  replaceTokenHash(id: string, old: string, fresh: string): boolean {
    return (
      this.store
        .stmt("UPDATE mcp_servers SET bearer_token_hash = ? WHERE id = ? AND bearer_token_hash = ?")
        .run(fresh, id, old).changes > 0
    );
  }

  delete(id: string): boolean {
    return this.store.write(
      () => this.store.stmt("DELETE FROM mcp_servers WHERE id = ?").run(id).changes > 0,
    );
  }
}
