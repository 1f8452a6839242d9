import { z } from "zod";
import { WorkspaceSchema } from "../../domain/entities.js";
import { PageArgs } from "../args.js";
import { safeToken } from "../fence.js";
import { fitApiPage, moreHint, NextOffsetOut, nameList } from "../paging.js";
import { defineTool, READ_ONLY } from "../tool.js";
import { WORKSPACES_URI } from "../uris.js";

export default defineTool({
  name: "list_workspaces",
  title: "List workspaces",
  toolset: "integrations",
  description:
    "List the Weavz workspaces this API key can reach, with their ids (the workspaceId other tools take).",
  input: z.strictObject(PageArgs),
  output: z.object({
    workspaces: z.array(WorkspaceSchema),
    total: z.number(),
    nextOffset: NextOffsetOut,
  }),
  annotations: READ_ONLY,
  async handler(args, ctx) {
    const res = await ctx.api.listWorkspaces(args, { signal: ctx.signal });
    const page = fitApiPage(res.workspaces, args.offset ?? 0, res.total);
    const names = nameList(page.items.map((w) => `${safeToken(w.slug)} (${safeToken(w.id)})`));
    return {
      data: {
        workspaces: page.items,
        total: res.total,
        ...(page.nextOffset !== undefined ? { nextOffset: page.nextOffset } : {}),
      },
      summary: `${res.total} workspace(s)${names ? `: ${names}` : ""}.${moreHint("list_workspaces", page.nextOffset, args)}`,
      links: [{ uri: WORKSPACES_URI, name: "workspaces" }],
    };
  },
});
