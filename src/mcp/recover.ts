import { WeavzApiError } from "../api/errors.js";
import type { CatalogReader } from "./catalog-cache.js";
import type { Candidates } from "./results/issues.js";
import type { ToolContext } from "./tool.js";

/**
 * After a failed call, finds the valid names a "did you mean …?" can choose from when the
 * API's error did not list them: catalog integration names, an integration's action names,
 * the connection ids of an integration. Only on the error path, and never fails the result:
 * a lookup that fails just leaves the suggestion out.
 */
export async function findCandidates(
  err: unknown,
  args: Record<string, unknown>,
  ctx: ToolContext,
  loadCatalog: CatalogReader,
): Promise<Candidates> {
  if (!(err instanceof WeavzApiError)) return {};
  const out: Candidates = {};
  const name = typeof args.integrationName === "string" ? args.integrationName : undefined;
  const wanted = new Set<string>();
  for (const issue of err.fieldIssues) {
    const allowed = issue.allowed;
    if (Array.isArray(allowed) && allowed.length > 0) continue;
    wanted.add(issue.field.split(".")[0] as string);
  }
  if (
    name &&
    (err.code === "INTEGRATION_NOT_FOUND" ||
      (err.code === "NOT_FOUND" && err.message.toLowerCase().includes("integration")))
  ) {
    const suggestions = err.details?.suggestions;
    if (Array.isArray(suggestions) && suggestions.length > 0)
      out.integrationName = suggestions.map(String);
    else wanted.add("integrationName");
  }
  try {
    if (wanted.has("integrationName") && name)
      out.integrationName = (await loadCatalog(ctx.api)).map((i) => i.name);
    if (wanted.has("enabledActions") && name) {
      const { integration } = await ctx.api.getCatalogIntegration(name, { signal: ctx.signal });
      out.enabledActions = integration.actions.map((a) => a.name);
    }
    if (wanted.has("connectionId") && name) {
      const { connections } = await ctx.api.listConnections(
        { integrationName: name, limit: 100 },
        { signal: ctx.signal },
      );
      out.connectionId = connections.map((c) => c.id);
    }
  } catch {
    // A suggestion is a courtesy: the error itself still reaches the model.
  }
  return out;
}
