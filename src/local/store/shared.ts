/** Pieces every table module uses. */

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
 * A BLOB as a Buffer: better-sqlite3 returns Buffers, node:sqlite plain Uint8Arrays (same
 * bytes, no copy here).
 */
export function asBuffer(blob: Uint8Array): Buffer;
export function asBuffer(blob: Uint8Array | null | undefined): Buffer | null | undefined;
export function asBuffer(blob: Uint8Array | null | undefined): Buffer | null | undefined {
  if (blob == null || Buffer.isBuffer(blob)) return blob as Buffer | null | undefined;
  return Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
}
