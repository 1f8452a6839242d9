/**
 * What the fuzz surfaces share beyond the arbitraries: a capturing logger (log lines are an
 * output too), a cheap fingerprint of the local database (to prove a rejected request stored
 * nothing) and a deadline for "one reply per request".
 */

import type { Store } from "../../src/local/store/index.js";
import { createLogger, type Logger } from "../../src/log.js";

/** A real logger (masking included) writing into an array. */
export function capturingLog(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { log: createLogger("debug", "fuzz", (l) => lines.push(l)), lines };
}

const TABLES = [
  "workspaces",
  "connections",
  "end_users",
  "workspace_integrations",
  "mcp_servers",
  "api_keys",
];

/**
 * The change marker plus, per configuration table, its row count, highest rowid and latest
 * update: any insert, delete or update shows, even one that bypassed the change marker.
 */
export function fingerprint(store: Store): string {
  const parts = [String(store.changeSeq())];
  for (const t of TABLES) {
    const stamp = t === "api_keys" ? "created_at" : "updated_at";
    const row = store.db
      .prepare(
        `SELECT count(*) AS n, coalesce(max(rowid), 0) AS r, coalesce(max(${stamp}), '') AS u FROM ${t}`,
      )
      .get() as { n: number; r: number; u: string };
    parts.push(`${t}:${row.n}:${row.r}:${row.u}`);
  }
  return parts.join("|");
}

/** Resolves with the promise's value, or rejects with UNANSWERED after `ms`. */
export async function answered<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(UNANSWERED)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export const UNANSWERED = "UNANSWERED: no reply within the deadline";
