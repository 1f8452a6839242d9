import { WeavzApiError } from "../api/errors.js";
import type { WeavzApi } from "../api/types.js";
import type { ChangeJournal, ChangePage, ChangeQuery } from "../domain/journal.js";

/** Largest page the history endpoint serves. */
const HISTORY_PAGE = 100;

/**
 * The change journal as the session's API serves it (GET …/history: the local API records every
 * write itself; in hosted mode the MCP server's own journal answers it), so undo previews read
 * exactly what the history page shows, within the session's workspace limit. Read-only.
 */
export function journalOf(api: WeavzApi, kind: ChangeJournal["kind"]): ChangeJournal {
  return {
    kind,
    async record() {
      throw new Error("the dashboard records nothing itself: the API journals each write");
    },
    async list(q: ChangeQuery): Promise<ChangePage> {
      const entries: ChangePage["entries"] = [];
      let total = 0;
      for (let offset = q.offset; entries.length < q.limit; ) {
        const limit = Math.min(HISTORY_PAGE, q.limit - entries.length);
        const page = await api.listChanges({ ...q, offset, limit });
        entries.push(...page.entries);
        total = page.total;
        offset += page.entries.length;
        if (page.entries.length < limit || offset >= total) break;
      }
      return { entries, total };
    },
    async get(id) {
      try {
        return (await api.getChange(id)).change;
      } catch (err) {
        if (err instanceof WeavzApiError && err.status === 404) return undefined;
        throw err;
      }
    },
  };
}
