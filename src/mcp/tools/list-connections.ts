import { z } from "zod";
import { IdSchema } from "../../domain/common.js";
import { ConnectionSchema } from "../../domain/entities.js";
import { PageArgs } from "../args.js";
import { safeToken } from "../fence.js";
import { fitApiPage, moreHint, NextOffsetOut, nameList } from "../paging.js";
import { defineTool, READ_ONLY, WORKSPACE_HINTS } from "../tool.js";

export default defineTool({
  name: "list_connections",
  title: "List connections",
  toolset: "connections",
  description:
    "List connections (stored credentials, never shown) to pick a connectionId; it must be of the same integration. Filter by integrationName and/or workspaceId.",
  input: z.strictObject({
    integrationName: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .describe("Only connections of this integration."),
    workspaceId: IdSchema.optional(),
    ...PageArgs,
  }),
  output: z.object({
    connections: z.array(ConnectionSchema),
    total: z.number(),
    nextOffset: NextOffsetOut,
  }),
  annotations: READ_ONLY,
  hints: WORKSPACE_HINTS,
  async handler(args, ctx) {
    const res = await ctx.api.listConnections(args, { signal: ctx.signal });
    const page = fitApiPage(res.connections, args.offset ?? 0, res.total);
    const shown = nameList(
      page.items.map((c) => `${safeToken(c.id)} (${safeToken(c.integrationName)}, ${c.status})`),
    );
    return {
      data: {
        connections: page.items,
        total: res.total,
        ...(page.nextOffset !== undefined ? { nextOffset: page.nextOffset } : {}),
      },
      summary: `${res.total} connection(s)${shown ? `: ${shown}` : ""}.${moreHint("list_connections", page.nextOffset, args)}`,
    };
  },
});
