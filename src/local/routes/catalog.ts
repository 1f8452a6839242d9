import { z } from "zod";
import { searchCatalog } from "../../domain/catalog-search.js";
import { PagingSchema } from "../../domain/index.js";
import { requireCatalogIntegration } from "../catalog.js";
import { validationError } from "../errors.js";
import { parseWith } from "../validation.js";
import { type App, type Deps, keysOf, ok, query, resource } from "./context.js";

const CatalogQuerySchema = PagingSchema.extend({
  name: z.string().min(1).max(100).optional(),
  search: z.string().min(1).max(400).optional(),
  summary: z.enum(["true", "false", "1", "0"]).optional(),
});

/** GET /integrations: the catalog, one integration by name, or a search. */
export function catalogRoutes(app: App, deps: Deps): void {
  resource(app, "/api/v1/integrations", {
    GET: (c) => {
      const q = parseWith(CatalogQuerySchema, query(c), { allowed: keysOf(CatalogQuerySchema) });
      const catalog = deps.catalog();
      if (q.name !== undefined && q.search !== undefined) {
        throw validationError([{ field: "name", message: "cannot be combined with search" }]);
      }
      if (q.name !== undefined) {
        return ok(c, { integration: requireCatalogIntegration(catalog, q.name) });
      }
      if (q.search !== undefined) {
        const all = searchCatalog(catalog.integrations, q.search, Number.POSITIVE_INFINITY);
        const hits = all.slice(q.offset, q.offset + q.limit);
        return ok(c, {
          integrations: hits.map((h) => catalog.summary(h.name)),
          total: all.length,
          hits,
        });
      }
      const page = catalog.integrations.slice(q.offset, q.offset + q.limit);
      const summary = q.summary === "true" || q.summary === "1";
      return ok(c, {
        integrations: summary ? page.map((i) => catalog.summary(i.name)) : page,
        total: catalog.integrations.length,
      });
    },
  });
}
