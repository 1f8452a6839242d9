import type { CatalogIntegration } from "../domain/index.js";
import type { CallOptions, WeavzApi } from "./types.js";

/** The API's largest page. */
export const PAGE = 100;

/**
 * Reads a paged list page by page until `total` is reached or a page comes back empty.
 * `maxItems` bounds the read (offsets past it are not requested) for lists that may be huge.
 */
export async function allPages<T>(
  fetchPage: (offset: number) => Promise<{ items: T[]; total: number }>,
  maxItems = Infinity,
): Promise<T[]> {
  const out: T[] = [];
  for (let offset = 0; offset < maxItems; ) {
    const { items, total } = await fetchPage(offset);
    out.push(...items);
    offset += items.length;
    if (items.length === 0 || offset >= total) break;
  }
  return out;
}

/** Most catalog entries read when the whole catalog is wanted (50 pages). */
const CATALOG_MAX = 5000;

/**
 * Every catalog integration, read as summaries page by page. A summary names its actions
 * only, so each action becomes a bare entry (name as display name, no props): enough for
 * ranking and completion, which need the entry's shape but not the action details.
 */
export async function allCatalogEntries(
  api: WeavzApi,
  opts: CallOptions = {},
): Promise<CatalogIntegration[]> {
  const summaries = await allPages(async (offset) => {
    const r = await api.listCatalog({ summary: true, limit: PAGE, offset }, opts);
    return { items: r.integrations, total: r.total };
  }, CATALOG_MAX);
  return summaries.map((s) => ({
    ...s,
    actions: (s.actions ?? []).map((name) => ({ name, displayName: name, props: {} })),
  }));
}
