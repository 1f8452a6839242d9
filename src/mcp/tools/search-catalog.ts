import { z } from "zod";
import { allCatalogEntries } from "../../api/pages.js";
import { defineTool, READ_ONLY } from "../tool.js";

const HitSchema = z.object({
  name: z.string(),
  displayName: z.string(),
  builtIn: z.boolean(),
  score: z.number(),
  matchedActions: z.array(z.string()),
});

export default defineTool({
  name: "search_catalog",
  title: "Search the integration catalog",
  toolset: "catalog",
  description:
    "Find catalog integrations by words (e.g. 'slack message', 'key value'): their integrationName and matching actions. Then get_catalog_integration.",
  input: z.strictObject({
    query: z.string().min(1).max(200).describe("Words to match."),
    limit: z.number().int().min(1).max(50).optional().describe("Default 10."),
  }),
  output: z.object({ hits: z.array(HitSchema), total: z.number() }),
  annotations: READ_ONLY,
  async handler(args, ctx) {
    const limit = args.limit ?? 10;
    const res = await ctx.api.listCatalog(
      { search: args.query, summary: true, limit },
      { signal: ctx.signal },
    );
    let hits = res.hits;
    if (!hits) {
      // The API ignored `search`: rank its summaries here with the same scoring.
      const all = await allCatalogEntries(ctx.api, { signal: ctx.signal });
      // minisearch and the synonym table load on first search, not at startup.
      const { searchCatalog } = await import("../../domain/catalog-search.js");
      hits = searchCatalog(all, args.query, limit);
    }
    hits = hits.slice(0, limit);
    return {
      data: { hits, total: hits.length },
      summary: hits.length
        ? `${hits.length} match(es): ${hits.map((h) => h.name).join(", ")}.`
        : `Nothing in the catalog matches "${args.query}"; try other or fewer words.`,
    };
  },
});
