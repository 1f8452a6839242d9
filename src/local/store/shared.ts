/** Pieces every table module uses. */

import type { Store } from "./index.js";

export interface Page {
  limit: number;
  offset: number;
}

export type Row = Record<string, unknown>;

/** WHERE clause and parameters for lists filtered by one workspace and/or a key's scope. */
export function workspaceFilter(filter: { workspaceId?: string; scope?: readonly string[] }) {
  return {
    where: `WHERE (@ws IS NULL OR workspace_id = @ws)
      AND (@scope IS NULL OR workspace_id IN (SELECT value FROM json_each(@scope)))`,
    params: {
      ws: filter.workspaceId ?? null,
      scope: filter.scope ? JSON.stringify(filter.scope) : null,
    },
  };
}

/**
 * One page of `table`'s rows matching `where` (oldest first), and how many match in all: the
 * paged lists of the API. `params` binds `where`'s named parameters; `@limit` and `@offset`
 * are added here.
 */
export function pageOf<T = Row>(
  store: Store,
  table: string,
  cols: string,
  filter: { where: string; params: Record<string, unknown> },
  page: Page,
): { items: T[]; total: number } {
  const { where, params } = filter;
  const items = store
    .stmt(
      `SELECT ${cols} FROM ${table} ${where} ORDER BY created_at, rowid LIMIT @limit OFFSET @offset`,
    )
    .all({ ...params, limit: page.limit, offset: page.offset }) as T[];
  const total = store.stmt(`SELECT count(*) FROM ${table} ${where}`).pluck().get(params) as number;
  return { items, total };
}

/**
 * A BLOB as a Buffer: better-sqlite3 returns Buffers, node:sqlite plain Uint8Arrays (same
 * bytes, no copy here).
 */
export function asBuffer(blob: Uint8Array): Buffer;
export function asBuffer(blob: Uint8Array | null | undefined): Buffer | null | undefined;
export function asBuffer(blob: Uint8Array | null | undefined): Buffer | null | undefined {
  if (blob == null || Buffer.isBuffer(blob)) return blob as Buffer | null | undefined;
  return Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
}
