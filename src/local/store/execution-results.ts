import type { Store } from "./index.js";

export interface StoredExecution {
  fingerprint: string;
  result: string;
  createdAt: string;
}

/** execution_results: results kept by idempotency key (execute/index.ts). */
export class ExecutionResultsTable {
  constructor(private readonly store: Store) {}

  get(workspaceId: string, idempotencyKey: string): StoredExecution | undefined {
    return this.store
      .stmt(
        "SELECT fingerprint, result, created_at AS createdAt FROM execution_results WHERE workspace_id = ? AND idempotency_key = ?",
      )
      .get(workspaceId, idempotencyKey) as StoredExecution | undefined;
  }

  /** Drops results created before `olderThan` (ISO time), then keeps this one (first wins). */
  save(
    entry: StoredExecution & { workspaceId: string; idempotencyKey: string },
    olderThan: string,
  ): void {
    this.store.stmt("DELETE FROM execution_results WHERE created_at < ?").run(olderThan);
    this.store
      .stmt(
        `INSERT INTO execution_results (workspace_id, idempotency_key, fingerprint, result, created_at)
       VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      )
      .run(
        entry.workspaceId,
        entry.idempotencyKey,
        entry.fingerprint,
        entry.result,
        entry.createdAt,
      );
  }
}
