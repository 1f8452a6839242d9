import type { CatalogIntegration } from "./entities.js";

/** One search hit: an integration and the actions that matched the words. */
export interface CatalogHit {
  name: string;
  displayName: string;
  builtIn: boolean;
  score: number;
  matchedActions: string[];
}

function words(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
}

/**
 * Ranks catalog integrations by how well their names and action names match the query's
 * words. Pure and shared, so the local API and any client-side fallback rank alike.
 */
export function searchCatalog(
  catalog: readonly CatalogIntegration[],
  query: string,
  limit = 20,
): CatalogHit[] {
  const terms = words(query);
  if (terms.length === 0) return [];
  const hits: CatalogHit[] = [];
  for (const integration of catalog) {
    const nameWords = new Set([...words(integration.name), ...words(integration.displayName)]);
    const joinedName = `${integration.name} ${integration.displayName}`.toLowerCase();
    let score = 0;
    let matchedTerms = 0;
    const matchedActions = new Set<string>();
    for (const term of terms) {
      let termMatched = false;
      if (integration.name === term) {
        score += 20;
        termMatched = true;
      } else if (nameWords.has(term)) {
        score += 10;
        termMatched = true;
      } else if (joinedName.includes(term)) {
        score += 5;
        termMatched = true;
      }
      for (const action of integration.actions) {
        const actionText = `${action.name} ${action.displayName}`.toLowerCase();
        if (words(actionText).includes(term)) {
          matchedActions.add(action.name);
          termMatched = true;
        }
      }
      if (termMatched) matchedTerms++;
    }
    if (matchedTerms === 0) continue;
    score += matchedActions.size > 0 ? Math.min(matchedActions.size, 5) : 0;
    // Integrations that match every word rank above partial matches.
    if (matchedTerms === terms.length) score += 15;
    hits.push({
      name: integration.name,
      displayName: integration.displayName,
      builtIn: integration.builtIn === true,
      score,
      matchedActions: [...matchedActions].slice(0, 10),
    });
  }
  hits.sort((a, b) => b.score - a.score || a.name.localeCompare(b.name));
  return hits.slice(0, limit);
}
