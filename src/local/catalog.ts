import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { CatalogIntegration } from "../domain/index.js";

const CATALOG_REL = join("data", "weavz-catalog.json");

/** Summary of one catalog entry, as `GET /integrations?summary=true` lists it. */
export interface CatalogSummaryItem {
  name: string;
  displayName: string;
  builtIn: boolean;
  requiresConnection: boolean;
  settingsBlocks: string[];
  actionCount: number;
  actions: string[];
}

/** The catalog, indexed once: by name, with each integration's action names as a Set. */
export interface Catalog {
  readonly source: string;
  readonly integrations: readonly CatalogIntegration[];
  get(name: string): CatalogIntegration | undefined;
  actionNames(name: string): ReadonlySet<string> | undefined;
  summary(name: string): CatalogSummaryItem | undefined;
  /** Integration names taking a settings block, e.g. advancedCode → [advanced-code]. */
  integrationsWithBlock(block: string): string[];
  /** A few names close to a mistyped one (prefix, substring, small edit distance). */
  suggest(name: string, max?: number): string[];
}

/**
 * Finds data/weavz-catalog.json by walking up from this module: works from src/local under
 * vitest and from the bundled dist/ chunks.
 */
export function findCatalogFile(from: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(from));
  for (;;) {
    const candidate = join(dir, CATALOG_REL);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error(`cannot find ${CATALOG_REL} above ${dirname(fileURLToPath(from))}`);
    }
    dir = parent;
  }
}

function editDistance(a: string, b: string, cap: number): number {
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

function buildCatalog(file: string): Catalog {
  const raw = JSON.parse(readFileSync(file, "utf8")) as {
    source?: string;
    integrations: CatalogIntegration[];
  };
  const integrations = raw.integrations;
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
  const summaries = new Map<string, CatalogSummaryItem>();
  return {
    source: raw.source ?? "",
    integrations,
    get: (name) => byName.get(name),
    actionNames: (name) => actions.get(name),
    summary(name) {
      let s = summaries.get(name);
      if (s) return s;
      const i = byName.get(name);
      if (!i) return undefined;
      s = {
        name: i.name,
        displayName: i.displayName,
        builtIn: i.builtIn === true,
        requiresConnection: i.requiresConnection ?? !i.builtIn,
        settingsBlocks: i.settingsBlocks ?? [],
        actionCount: i.actions.length,
        actions: i.actions.map((a) => a.name),
      };
      summaries.set(name, s);
      return s;
    },
    integrationsWithBlock: (block) => blocks.get(block) ?? [],
    suggest(name, max = 5) {
      const q = name.toLowerCase().trim();
      if (!q) return [];
      const scored: Array<[number, string]> = [];
      for (const i of integrations) {
        const n = i.name;
        const d = i.displayName.toLowerCase();
        let score: number | undefined;
        if (n.startsWith(q) || d.startsWith(q)) score = 0;
        else if (n.includes(q) || d.includes(q)) score = 1;
        else if (q.includes(n) && n.length >= 3) score = 2;
        else {
          const dist = editDistance(q, n, 2);
          if (dist <= 2) score = 2 + dist;
        }
        if (score !== undefined) scored.push([score * 1000 + n.length, n]);
      }
      scored.sort((a, b) => a[0] - b[0] || a[1].localeCompare(b[1]));
      return scored.slice(0, max).map((s) => s[1]);
    },
  };
}

let cached: Catalog | undefined;

/** The catalog, loaded lazily on first use and shared by every server in the process. */
export function loadCatalog(): Catalog {
  cached ??= buildCatalog(findCatalogFile());
  return cached;
}
