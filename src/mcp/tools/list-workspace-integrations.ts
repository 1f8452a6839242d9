import { z } from "zod";
import {
  ConnectionStrategySchema,
  type WorkspaceIntegrationListItem,
  WorkspaceIntegrationListItemSchema,
} from "../../domain/integration.js";
import { resolveWorkspaceId, WorkspaceIdArg } from "../args.js";
import { safeToken } from "../fence.js";
import { moreHint, NextOffsetOut, nameList, pageArgs, pageJson, takePage } from "../paging.js";
import { defineTool, READ_ONLY, WORKSPACE_HINTS } from "../tool.js";
import { integrationsUri } from "../uris.js";

const DEFAULT_LIMIT = 20;

export default defineTool({
  name: "list_workspace_integrations",
  title: "List workspace integrations",
  toolset: "integrations",
  description:
    "A workspace's integrations, a page at a time (nextOffset continues): id, alias, strategy, connection, enabledActions, settings. Filters: integrationName, connectionStrategy, query.",
  input: z.strictObject({
    workspaceId: WorkspaceIdArg,
    integrationName: z.string().min(1).max(100).optional().describe("Only this integration."),
    connectionStrategy: ConnectionStrategySchema.optional().describe("Only this strategy."),
    query: z.string().min(1).max(200).optional().describe("Words found in alias or displayName."),
    ...pageArgs(DEFAULT_LIMIT),
  }),
  output: z.object({
    workspaceId: z.string(),
    integrations: z.array(WorkspaceIntegrationListItemSchema),
    total: z.number(),
    offset: z.number(),
    nextOffset: NextOffsetOut,
  }),
  annotations: READ_ONLY,
  hints: WORKSPACE_HINTS,
  async handler(args, ctx) {
    const workspaceId = resolveWorkspaceId(args.workspaceId, ctx.defaultWorkspaceId);
    const res = await ctx.api.listWorkspaceIntegrations(workspaceId, { signal: ctx.signal });
    // The hosted list endpoint has no paging or filters, so both happen here.
    const matching = filterIntegrations(res.integrations, args);
    const offset = args.offset ?? 0;
    const page = takePage(matching, offset, args.limit ?? DEFAULT_LIMIT);
    const filtered = matching.length !== res.integrations.length;
    const range = `${offset + 1}-${offset + page.items.length} of ${matching.length}`;
    const aliases = nameList(page.items.map((i) => safeToken(i.alias)));
    const tail = {
      total: matching.length,
      offset,
      ...(page.nextOffset !== undefined ? { nextOffset: page.nextOffset } : {}),
    };
    // An empty page says why, and what to do next, rather than "none of 0".
    const empty =
      res.integrations.length === 0
        ? `Workspace ${workspaceId} has no integrations yet; add one with create_workspace_integration (search_catalog finds its integrationName).`
        : matching.length === 0
          ? `None of the ${res.integrations.length} integration(s) in workspace ${workspaceId} match these filters; call list_workspace_integrations without them to see all.`
          : page.items.length === 0
            ? `No integrations at offset ${offset}: workspace ${workspaceId} has ${matching.length}${filtered ? " matching" : ""}; call again with offset 0.`
            : undefined;
    return {
      data: { workspaceId, integrations: page.items, ...tail },
      json: pageJson({ workspaceId }, "integrations", page.json, tail),
      summary:
        empty ??
        `${range} integration(s)${filtered ? ` matching (${res.integrations.length} in all)` : ""} in workspace ${workspaceId}${aliases ? `: ${aliases}` : ""}.${moreHint("list_workspace_integrations", page.nextOffset, args)}`,
      links: [{ uri: integrationsUri(workspaceId), name: "workspace integrations" }],
    };
  },
});

/** Applies the tool's filters; `query` matches every word in alias or displayName. */
function filterIntegrations(
  all: readonly WorkspaceIntegrationListItem[],
  f: {
    integrationName?: string | undefined;
    connectionStrategy?: string | undefined;
    query?: string | undefined;
  },
): readonly WorkspaceIntegrationListItem[] {
  if (!f.integrationName && !f.connectionStrategy && !f.query) return all;
  const name = f.integrationName?.toLowerCase();
  const words = f.query?.toLowerCase().split(/\s+/).filter(Boolean) ?? [];
  return all.filter((i) => {
    if (name && i.integrationName.toLowerCase() !== name) return false;
    if (f.connectionStrategy && i.connectionStrategy !== f.connectionStrategy) return false;
    if (words.length > 0) {
      const text = `${i.alias} ${i.displayName ?? ""}`.toLowerCase();
      if (!words.every((w) => text.includes(w))) return false;
    }
    return true;
  });
}
