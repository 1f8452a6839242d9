import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type CatalogIndex, type CatalogIntegration, indexCatalog } from "../domain/index.js";
import { ApiError } from "./errors.js";

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

/** The catalog file, indexed once (the domain's index, plus the summaries the API lists). */
export interface Catalog extends CatalogIndex {
  readonly source: string;
  summary(name: string): CatalogSummaryItem | undefined;
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

function buildCatalog(file: string): Catalog {
  const raw = JSON.parse(readFileSync(file, "utf8")) as {
    source?: string;
    integrations: CatalogIntegration[];
  };
  const index = indexCatalog(raw.integrations);
  const summaries = new Map<string, CatalogSummaryItem>();
  return {
    ...index,
    source: raw.source ?? "",
    summary(name) {
      let s = summaries.get(name);
      if (s) return s;
      const i = index.get(name);
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
  };
}

let cached: Catalog | undefined;

/** The catalog, loaded lazily on first use and shared by every server in the process. */
export function loadCatalog(): Catalog {
  cached ??= buildCatalog(findCatalogFile());
  return cached;
}

/** The catalog entry named `name`, or 404 INTEGRATION_NOT_FOUND with did-you-mean suggestions. */
export function requireCatalogIntegration(catalog: CatalogIndex, name: string): CatalogIntegration {
  const integration = catalog.get(name);
  if (integration) return integration;
  const suggestions = catalog.suggest(name);
  throw new ApiError(
    404,
    "INTEGRATION_NOT_FOUND",
    `Integration "${name}" is not in the catalog${suggestions.length ? `; did you mean ${suggestions.join(", ")}?` : ""}`,
    { suggestions },
  );
}
