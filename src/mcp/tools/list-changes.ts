import { z } from "zod";
import type { ChangeEntry } from "../../domain/journal.js";
import { changedFields, describeChange } from "../../domain/journal.js";
import { resolveWorkspaceId, WorkspaceIdArg } from "../args.js";
import { safeToken } from "../fence.js";
import { moreHint, NextOffsetOut, pageJson, takePage } from "../paging.js";
import { defineTool, READ_ONLY, ToolInputError } from "../tool.js";
import { historyUri } from "../uris.js";

const DEFAULT_LIMIT = 10;
/** Bytes of entry JSON per page: with the summary lines the result stays within 8 KB. */
const ITEMS_BUDGET = 6 * 1024;

/**
 * One entry as list_changes shows it: the readable line and the structured record, with an
 * update's fields as before → after (not two whole snapshots), a create's or delete's config.
 */
export function changeView(e: ChangeEntry) {
  const fields = changedFields(e.before, e.after);
  return {
    id: e.id,
    line: describeChange(e),
    time: e.time,
    operation: e.operation,
    source: e.source,
    actor: e.actor,
    target: e.target,
    ...(e.before && e.after
      ? {
          changes: fields.map((f) => ({
            field: f,
            before: e.before?.[f as keyof typeof e.before],
            after: e.after?.[f as keyof typeof e.after],
          })),
        }
      : { config: e.after ?? e.before }),
    planId: e.planId,
    step: e.step,
    undoes: e.undoes,
    outcome: e.outcome,
  };
}

/** How the journal in use covers changes, said plainly to the model and the user. */
export function journalScope(kind: string): string {
  return kind === "local-api"
    ? "The local API records every change, whoever made it."
    : "Hosted API: this journal holds only changes made through this weavz-mcp server; changes made elsewhere (the Weavz dashboard, other API clients) are not in it.";
}

export default defineTool({
  name: "list_changes",
  title: "List recent changes",
  toolset: "history",
  description:
    "What changed in a workspace's integrations, newest first: who (client, user), what (before → after), when. Each id can be passed to undo_change.",
  input: z.strictObject({
    workspaceId: WorkspaceIdArg,
    integration: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe("Only this integration id or alias."),
    // Checked in the handler: zod's ISO pattern would add half a kilobyte to tools/list.
    since: z.string().min(1).max(40).optional().describe("ISO-8601 time; only changes since."),
    limit: z.number().int().min(1).max(50).optional().describe(`Default ${DEFAULT_LIMIT}.`),
    offset: z.number().int().min(0).optional(),
  }),
  output: z.object({
    workspaceId: z.string(),
    journal: z.string(),
    changes: z.array(z.record(z.string(), z.unknown())),
    total: z.number(),
    offset: z.number(),
    nextOffset: NextOffsetOut,
  }),
  annotations: READ_ONLY,
  async handler(args, ctx) {
    const workspaceId = resolveWorkspaceId(args.workspaceId, ctx.defaultWorkspaceId);
    let since: string | undefined;
    if (args.since !== undefined) {
      const t = Date.parse(args.since);
      if (!/^\d{4}-\d{2}-\d{2}/.test(args.since) || Number.isNaN(t)) {
        throw new ToolInputError(
          `since must be an ISO-8601 time such as 2026-01-31T09:00:00Z (got "${args.since.slice(0, 40)}").`,
          "pass since as an ISO-8601 date-time, or leave it out for the latest changes.",
        );
      }
      since = new Date(t).toISOString();
    }
    const offset = args.offset ?? 0;
    const limit = args.limit ?? DEFAULT_LIMIT;
    const page = await ctx.journal.list({
      workspaceId,
      integration: args.integration,
      since,
      limit,
      offset,
    });
    if (page.total === 0 && offset === 0 && args.integration === undefined && !args.since) {
      // An unknown workspace reads as an empty journal: say which it is.
      await ctx.api.getWorkspace(workspaceId, { signal: ctx.signal }).catch((err: unknown) => {
        throw err instanceof Error && "status" in err && err.status === 404
          ? new ToolInputError(
              `No workspace ${workspaceId}.`,
              "call list_workspaces to see the workspaces this key can reach.",
              "NOT_FOUND",
            )
          : err;
      });
    }
    // The budget cuts the page short when entries are large; nextOffset continues.
    const taken = takePage(page.entries.map(changeView), 0, limit, ITEMS_BUDGET);
    const next = offset + taken.items.length;
    const tail = {
      total: page.total,
      offset,
      ...(next < page.total ? { nextOffset: next } : {}),
    };
    const journal = journalScope(ctx.journal.kind);
    // Stored names stay in the fenced data; outside it only safe tokens.
    const lines = taken.items
      .map((v) => `- ${v.id} ${v.operation} ${safeToken(v.target.alias)}`)
      .join("\n");
    const range = taken.items.length
      ? `${offset + 1}-${offset + taken.items.length} of ${page.total}`
      : `none of ${page.total}`;
    return {
      data: { workspaceId, journal, changes: taken.items, ...tail },
      json: pageJson({ workspaceId, journal }, "changes", taken.json, tail),
      summary: `${range} change(s) in workspace ${workspaceId}, newest first. ${journal}${lines ? `\n${lines}` : ""}${moreHint("list_changes", tail.nextOffset, args)}`,
      links: [
        {
          uri: historyUri(workspaceId),
          name: "history",
          description: "Latest changes (subscribable)",
        },
      ],
    };
  },
});
