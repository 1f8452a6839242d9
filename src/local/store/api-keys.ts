import type { Store } from "./index.js";

/** api_keys: stored forms of API keys only (scrypt PHC strings; see key-hash.ts). */
export class ApiKeysTable {
  constructor(private readonly store: Store) {}

  count(): number {
    return this.store.stmt("SELECT count(*) FROM api_keys").pluck().get() as number;
  }

  /** Every stored key form (scrypt PHC strings; unsalted SHA-256 hex in old databases). */
  hashes(): string[] {
    return this.store.stmt("SELECT key_hash FROM api_keys").pluck().all() as string[];
  }

  /**
   * Replaces one stored form by a stronger one of the same key, if `old` is still there;
   * true if it was. Outside `write()` on purpose: the key set does not change, so neither
   * does the change marker (subscribers have nothing to hear about).
   */
  replaceHash(old: string, fresh: string): boolean {
    return (
      this.store.stmt("UPDATE api_keys SET key_hash = ? WHERE key_hash = ?").run(fresh, old)
        .changes > 0
    );
  }

  add(hash: string): void {
    this.store.write(() =>
      this.store
        .stmt("INSERT OR IGNORE INTO api_keys (key_hash, created_at) VALUES (?, ?)")
        .run(hash, new Date().toISOString()),
    );
  }
}
