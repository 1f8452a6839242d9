import type { ChangeEntry, ChangePage, ChangeQuery } from "../../domain/journal.js";
import * as journal from "../journal-store.js";
import type { Store } from "./index.js";
import type { IntegrationRecord } from "./integrations.js";

export type { WriteContext } from "../journal-store.js";

/**
 * change_journal: the history of integration writes. Its SQL lives in journal-store.ts, which
 * the hosted mode's own journal file shares; entries are written inside the write they
 * describe (IntegrationsTable passes `change` through), so no change exists without its entry.
 */
export class JournalTable {
  constructor(
    private readonly store: Store,
    private readonly limit: number | undefined,
  ) {}

  /** Journals one integration write; call inside the store's write transaction. */
  record(
    workspaceId: string,
    before: IntegrationRecord | null,
    after: IntegrationRecord | null,
    change: journal.WriteContext,
  ): void {
    const entry = journal.integrationChange(workspaceId, before, after, change);
    if (entry) journal.insertChanges(this.store, [entry], this.limit);
  }

  list(q: ChangeQuery): ChangePage {
    return journal.listChanges(this.store, q);
  }

  get(id: string): ChangeEntry | undefined {
    return journal.getChange(this.store, id);
  }

  last(): { id: string; workspaceId: string } | undefined {
    return journal.lastChange(this.store);
  }
}
