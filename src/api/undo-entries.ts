// Owns what an undo target names: its journal entries, and each touched integration's before/after.
import type { ChangeEntry, IntegrationSnapshot } from "../domain/journal.js";
import { WeavzError } from "./errors.js";
import { allPages, PAGE } from "./pages.js";
import { undoCallOptions as call, type UndoDeps, type UndoTarget } from "./undo-model.js";

/** The change or plan does not exist in the journal. */
export class UndoTargetNotFoundError extends WeavzError {
  override name = "UndoTargetNotFoundError";
}

/** The entries an undo target names, oldest first, and their workspace. */
export async function entriesOf(
  deps: UndoDeps,
  target: UndoTarget,
): Promise<{ workspaceId: string; entries: ChangeEntry[] }> {
  if ("changeId" in target) {
    const e = await deps.journal.get(target.changeId);
    if (!e) {
      throw new UndoTargetNotFoundError(
        `no change "${target.changeId}" in the journal (it may be older than the history limit)`,
      );
    }
    return { workspaceId: e.workspaceId, entries: [e] };
  }
  const workspaces = target.workspaceId
    ? [target.workspaceId]
    : (
        await allPages(async (offset) => {
          const r = await deps.api.listWorkspaces({ limit: PAGE, offset }, call(deps));
          return { items: r.workspaces, total: r.total };
        })
      ).map((w) => w.id);
  for (const ws of workspaces) {
    const page = await deps.journal.list({
      workspaceId: ws,
      planId: target.planId,
      limit: 1000,
      offset: 0,
    });
    if (page.entries.length > 0) {
      const entries = [...page.entries].sort((a, b) => (a.id < b.id ? -1 : 1));
      return { workspaceId: ws, entries };
    }
  }
  throw new UndoTargetNotFoundError(`no change of plan "${target.planId}" is in the journal`);
}

/** Per integration: its state before the first entry and after the last. */
export interface Touched {
  integrationId: string;
  before: IntegrationSnapshot | null;
  after: IntegrationSnapshot | null;
  first: ChangeEntry;
  last: ChangeEntry;
  redacted: string[];
}

/** Each integration the entries touched, once (a create then delete nets to nothing). */
export function touchedOf(entries: readonly ChangeEntry[]): Touched[] {
  const byId = new Map<string, Touched>();
  for (const e of entries) {
    const t = byId.get(e.target.integrationId);
    if (!t) {
      byId.set(e.target.integrationId, {
        integrationId: e.target.integrationId,
        before: e.before,
        after: e.after,
        first: e,
        last: e,
        redacted: [...(e.redacted ?? [])],
      });
    } else {
      t.after = e.after;
      t.last = e;
      t.redacted.push(...(e.redacted ?? []));
    }
  }
  // A create then delete inside one plan nets to nothing.
  return [...byId.values()].filter((t) => t.before !== null || t.after !== null);
}
