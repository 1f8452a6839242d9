import { allCatalogEntries } from "../api/pages.js";
import type { WeavzApi } from "../api/types.js";
import type { CatalogIntegration } from "../domain/entities.js";

/** The catalog changes rarely; it is re-read after this long. */
const CATALOG_TTL_MS = 10 * 60 * 1000;

/** Reads the whole catalog (names and action names), or answers from the kept copy. */
export type CatalogReader = (api: WeavzApi) => Promise<CatalogIntegration[]>;

/**
 * One kept copy of the whole catalog per server factory, shared by argument completion (asked
 * on every keystroke) and "did you mean …?" after a failed call. The catalog is not limited by
 * workspace, so any caller's (scoped) API may fill it. The read takes no caller's signal: one
 * cancelled keystroke must not fail the copy every other caller is waiting on.
 */
export function createCatalogCache(): CatalogReader {
  let kept: { at: number; items: Promise<CatalogIntegration[]> } | undefined;
  return (api) => {
    if (kept && Date.now() - kept.at < CATALOG_TTL_MS) return kept.items;
    const items = allCatalogEntries(api);
    kept = { at: Date.now(), items };
    // A failed read is not kept: the next caller tries again.
    items.catch(() => {
      if (kept?.items === items) kept = undefined;
    });
    return items;
  };
}
