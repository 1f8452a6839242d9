import type { Store } from "./index.js";

/**
 * kv_entries: the kv-store built-in's JSON values by persistence scope (execute/scope.ts).
 * Written outside Store.write: running an action never moves the configuration change marker.
 */
export class KvEntriesTable {
  constructor(private readonly store: Store) {}

  /** The JSON text stored under a key, or undefined. */
  get(scope: string, key: string): string | undefined {
    return this.store
      .stmt("SELECT value FROM kv_entries WHERE scope = ? AND key = ?")
      .pluck()
      .get(scope, key) as string | undefined;
  }

  put(scope: string, key: string, json: string): void {
    this.store
      .stmt(
        `INSERT INTO kv_entries (scope, key, value, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (scope, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      )
      .run(scope, key, json, new Date().toISOString());
  }

  delete(scope: string, key: string): boolean {
    return (
      this.store.stmt("DELETE FROM kv_entries WHERE scope = ? AND key = ?").run(scope, key)
        .changes > 0
    );
  }

  /** Drops every key of a scope (an end user being deleted). */
  deleteScope(scope: string): void {
    this.store.stmt("DELETE FROM kv_entries WHERE scope = ?").run(scope);
  }
}
