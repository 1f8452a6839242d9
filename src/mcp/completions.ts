import type { WeavzApi } from "../api/types.js";
import type { CatalogReader } from "./catalog-cache.js";
import type { CompletionKind } from "./prompts/types.js";

/** At most this many values per answer (the spec's cap). */
const MAX = 100;

/** A completion answer. */
export interface Completion {
  values: string[];
  total: number;
  hasMore: boolean;
}

const answer = (all: string[]): Completion => ({
  values: all.slice(0, MAX),
  total: all.length,
  hasMore: all.length > MAX,
});

const startsWith = (prefix: string, ...fields: Array<string | null | undefined>) => {
  const p = prefix.toLowerCase();
  return fields.some((f) => f?.toLowerCase().startsWith(p));
};

/**
 * Completion of prompt and resource-template arguments. One per server factory; it ranks
 * integration names against the factory's kept catalog (`loadCatalog`), because a client asks
 * on every keystroke and ranking needs the whole list.
 */
export function createCompleter(
  defaultWorkspaceId: string | undefined,
  loadCatalog: CatalogReader,
) {
  return {
    /**
     * Values for one argument. `context` holds the other arguments already given (the spec's
     * context.arguments): alias completes within the workspace named there, connectionId is
     * narrowed to the integration named there.
     */
    async complete(
      api: WeavzApi,
      kind: CompletionKind,
      value: string,
      context: Record<string, string>,
      signal: AbortSignal,
    ): Promise<Completion> {
      const opts = { signal };
      const workspaceId = context.workspaceId || defaultWorkspaceId;
      switch (kind) {
        case "workspaceId": {
          const { workspaces } = await api.listWorkspaces({ limit: 100 }, opts);
          return answer(
            workspaces.filter((w) => startsWith(value, w.id, w.slug, w.name)).map((w) => w.id),
          );
        }
        case "integrationName": {
          const items = await loadCatalog(api);
          if (!value.trim()) return answer(items.map((i) => i.name));
          // The search's ranking (prefixes, synonyms, typos: "slak" → slack, "chatgpt" →
          // openai), then any other name starting with what was typed.
          const exact = items.filter((i) => i.name === value.toLowerCase()).map((i) => i.name);
          // minisearch and the synonym table load on first use, not at startup.
          const { rankIntegrations } = await import("../domain/catalog-search.js");
          const ranked = rankIntegrations(items, value, 20).map((r) => r.name);
          const prefixed = items.filter((i) => startsWith(value, i.name)).map((i) => i.name);
          return answer([...new Set([...exact, ...ranked, ...prefixed])]);
        }
        case "alias": {
          if (!workspaceId) return answer([]);
          const { integrations } = await api.listWorkspaceIntegrations(workspaceId, opts);
          return answer(integrations.filter((i) => startsWith(value, i.alias)).map((i) => i.alias));
        }
        case "connectionId": {
          const integrationName = context.integrationName || undefined;
          const { connections } = await api.listConnections(
            { ...(workspaceId ? { workspaceId } : {}), integrationName, limit: 100 },
            opts,
          );
          return answer(
            connections
              .filter((c) => !integrationName || c.integrationName === integrationName)
              // Usable ones first.
              .sort((a, b) => Number(b.status === "ACTIVE") - Number(a.status === "ACTIVE"))
              .filter((c) => startsWith(value, c.id, c.externalId, c.displayName))
              .map((c) => c.id),
          );
        }
      }
    },
  };
}

/** The completer's type, for the server. */
export type Completer = ReturnType<typeof createCompleter>;
