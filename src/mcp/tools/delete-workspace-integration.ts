import { z } from "zod";
import { resolveWorkspaceId, WorkspaceIdArg } from "../args.js";
import { safeToken } from "../fence.js";
import { defineTool } from "../tool.js";
import { changeLinks, resolveSelector, SELECTOR_HINTS, SelectorArgs } from "./shared.js";

export default defineTool({
  name: "delete_workspace_integration",
  title: "Remove an integration from a workspace",
  toolset: "integrations",
  description:
    "Remove a workspace integration (by id or alias) and its MCP server tools. The connection stays.",
  input: z.strictObject({ workspaceId: WorkspaceIdArg, ...SelectorArgs }),
  output: z.object({ deleted: z.literal(true), id: z.string(), workspaceId: z.string() }),
  annotations: {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: true,
    openWorldHint: false,
  },
  hints: SELECTOR_HINTS,
  async handler(args, ctx) {
    const workspaceId = resolveWorkspaceId(args.workspaceId, ctx.defaultWorkspaceId);
    const target = await resolveSelector(ctx, workspaceId, args);
    const res = await ctx.api.deleteWorkspaceIntegration(workspaceId, target.id, {
      signal: ctx.signal,
    });
    ctx.changed(workspaceId);
    return {
      data: { deleted: true as const, id: res.id, workspaceId },
      summary: `Deleted workspace integration ${target.alias ? `"${safeToken(target.alias)}" ` : ""}(id ${safeToken(res.id)}) from workspace ${workspaceId}.`,
      links: changeLinks(workspaceId),
    };
  },
});
