import { z } from "zod";
import { CHANGES_MAX_WAIT_MS } from "../../domain/index.js";
import { parseWith } from "../validation.js";
import { type App, clientGone, type Deps, keysOf, ok, query, resource } from "./context.js";

const NonNegativeIntString = z
  .string()
  .regex(/^\d{1,15}$/, "must be a non-negative integer")
  .transform(Number);
const ChangesQuerySchema = z.strictObject({
  since: NonNegativeIntString.optional(),
  waitMs: NonNegativeIntString.pipe(
    z.number().max(CHANGES_MAX_WAIT_MS, `must be at most ${CHANGES_MAX_WAIT_MS}`),
  ).default(0),
});

/** GET /changes (local extension): the change marker, optionally long-polled. */
export function changeRoutes(app: App, deps: Deps): void {
  resource(app, "/api/v1/changes", {
    GET: async (c) => {
      const q = parseWith(ChangesQuerySchema, query(c), { allowed: keysOf(ChangesQuerySchema) });
      const feed = deps.changes;
      const seq = feed ? await feed.wait(q.since, q.waitMs, clientGone(c)) : deps.store.changeSeq();
      // The newest journal entry rides along: a watcher of history knows which workspace moved.
      const last = deps.store.journal.last();
      return ok(c, last ? { seq, lastChange: last } : { seq });
    },
  });
}
