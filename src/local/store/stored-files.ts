import type { Store } from "./index.js";
import { asBuffer } from "./shared.js";

export interface StoredFile {
  content: Buffer;
  contentType: string;
  updatedAt: string;
}

export interface StoredFileInfo {
  path: string;
  size: number;
  contentType: string;
  updatedAt: string;
}

/**
 * stored_files: the storage built-in's files as bytes by persistence scope. Written outside
 * Store.write, like kv_entries.
 */
export class StoredFilesTable {
  constructor(private readonly store: Store) {}

  get(scope: string, path: string): StoredFile | undefined {
    const row = this.store
      .stmt(
        "SELECT content, content_type AS contentType, updated_at AS updatedAt FROM stored_files WHERE scope = ? AND path = ?",
      )
      .get(scope, path) as (Omit<StoredFile, "content"> & { content: Uint8Array }) | undefined;
    return row && { ...row, content: asBuffer(row.content) };
  }

  put(scope: string, path: string, content: Buffer, contentType: string): void {
    this.store
      .stmt(
        `INSERT INTO stored_files (scope, path, content, content_type, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (scope, path) DO UPDATE SET content = excluded.content,
           content_type = excluded.content_type, updated_at = excluded.updated_at`,
      )
      .run(scope, path, content, contentType, new Date().toISOString());
  }

  delete(scope: string, path: string): boolean {
    return (
      this.store.stmt("DELETE FROM stored_files WHERE scope = ? AND path = ?").run(scope, path)
        .changes > 0
    );
  }

  /** Files whose path starts with prefix, by path, at most 1000. */
  list(scope: string, prefix: string): StoredFileInfo[] {
    return this.store
      .stmt(
        `SELECT path, length(content) AS size, content_type AS contentType, updated_at AS updatedAt
         FROM stored_files WHERE scope = ? AND substr(path, 1, length(?)) = ? ORDER BY path LIMIT 1000`,
      )
      .all(scope, prefix, prefix) as StoredFileInfo[];
  }

  /** Drops every file of a scope (an end user being deleted). */
  deleteScope(scope: string): void {
    this.store.stmt("DELETE FROM stored_files WHERE scope = ?").run(scope);
  }
}
