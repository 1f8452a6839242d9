import { z } from "zod";
import { WorkspaceSchema } from "../../domain/entities.js";
import { PageArgs } from "../args.js";
import { defineTool, READ_ONLY } from "../tool.js";
import { WORKSPACES_URI } from "../uris.js";

export default defineTool({
  name: "list_workspaces",
  title: "List workspaces",
  toolset: "integrations",
  description:
    "List the Weavz workspaces this API key can reach, with their ids (the workspaceId other tools take).",
  input: z.strictObject(PageArgs),
  output: z.object({ workspaces: z.array(WorkspaceSchema), total: z.number() }),
  annotations: READ_ONLY,
  async handler(args, ctx) {
    const res = await ctx.api.listWorkspaces(args, { signal: ctx.signal });
    const names = res.workspaces.map((w) => `${w.name} (${w.id})`).join(", ");
    return {
      data: { workspaces: res.workspaces, total: res.total },
      summary: `${res.total} workspace(s)${names ? `: ${names}` : ""}.`,
      links: [{ uri: WORKSPACES_URI, name: "workspaces" }],
    };
  },
});
