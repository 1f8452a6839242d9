import type { CatalogIntegration } from "./entities.js";

/**
 * The catalog, indexed once: what the integration rules need to look up. Built from the
 * bundled catalog file by the local API, and from the API's catalog listing by the planner.
 */
export interface CatalogIndex {
  readonly integrations: readonly CatalogIntegration[];
  get(name: string): CatalogIntegration | undefined;
  actionNames(name: string): ReadonlySet<string> | undefined;
  /** Integration names taking a settings block, e.g. advancedCode → [advanced-code]. */
  integrationsWithBlock(block: string): string[];
  /** A few names close to a mistyped one (prefix, substring, small edit distance). */
  suggest(name: string, max?: number): string[];
}

/** Levenshtein distance, giving up (returning cap + 1) once it exceeds `cap`. */
export function editDistance(a: string, b: string, cap: number): number {
  if (Math.abs(a.length - b.length) > cap) return cap + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(
        (prev[j] ?? 0) + 1,
        (cur[j - 1] ?? 0) + 1,
        (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > cap) return cap + 1;
    prev = cur;
  }
  return prev[b.length] ?? cap + 1;
}

/** How close `candidate` (or its display name) is to `query`; undefined when not close. */
function closeness(query: string, candidate: string, display = ""): number | undefined {
  // An empty display name would match every query, so it only counts when present.
  const d = display.toLowerCase() || undefined;
  if (candidate.startsWith(query) || d?.startsWith(query)) return 0;
  if (candidate.includes(query) || d?.includes(query)) return 1;
  if (query.includes(candidate) && candidate.length >= 3) return 2;
  const dist = editDistance(query, candidate, 2);
  return dist <= 2 ? 2 + dist : undefined;
}

/** The few candidates closest to a mistyped name, best first (e.g. send_mesage → send_message). */
export function closestNames(
  query: string,
  candidates: Iterable<string | { name: string; displayName?: string }>,
  max = 5,
): string[] {
  const q = query.toLowerCase().trim();
  if (!q) return [];
  const scored: Array<[number, string]> = [];
  for (const c of candidates) {
    const name = typeof c === "string" ? c : c.name;
    const score = closeness(q, name, typeof c === "string" ? "" : (c.displayName ?? ""));
    if (score !== undefined) scored.push([score * 1000 + name.length, name]);
  }
  scored.sort((a, b) => a[0] - b[0] || a[1].localeCompare(b[1]));
  return scored.slice(0, max).map((s) => s[1]);
}

/** Indexes catalog integrations by name, with action-name sets and settings-block takers. */
export function indexCatalog(integrations: readonly CatalogIntegration[]): CatalogIndex {
  const byName = new Map<string, CatalogIntegration>();
  const actions = new Map<string, Set<string>>();
  const blocks = new Map<string, string[]>();
  for (const i of integrations) {
    byName.set(i.name, i);
    actions.set(i.name, new Set(i.actions.map((a) => a.name)));
    for (const b of i.settingsBlocks ?? []) {
      const list = blocks.get(b) ?? [];
      list.push(i.name);
      blocks.set(b, list);
    }
  }
  return {
    integrations,
    get: (name) => byName.get(name),
    actionNames: (name) => actions.get(name),
    integrationsWithBlock: (block) => blocks.get(block) ?? [],
    suggest: (name, max = 5) => closestNames(name, integrations, max),
  };
}
