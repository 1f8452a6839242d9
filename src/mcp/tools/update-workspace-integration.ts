import { z } from "zod";
import { AliasSchema } from "../../domain/common.js";
import {
  UpdateWorkspaceIntegrationSchema,
  WorkspaceIntegrationSchema,
} from "../../domain/integration.js";
import { resolveWorkspaceId, WorkspaceIdArg } from "../args.js";
import { defineTool } from "../tool.js";
import { changeLinks, resolveSelector, SelectorArgs, withExistingOnDuplicate } from "./shared.js";

const { alias: _newAlias, ...updateFields } = UpdateWorkspaceIntegrationSchema.shape;

export default defineTool({
  name: "update_workspace_integration",
  title: "Update a workspace integration",
  toolset: "integrations",
  description:
    "Change a workspace integration (by id or alias); only given fields change. newAlias renames; enabledActions null = all; displayName null clears; settings replace, null resets.",
  input: z.strictObject({
    workspaceId: WorkspaceIdArg,
    ...SelectorArgs,
    newAlias: AliasSchema.optional().describe("New alias, unique in the workspace."),
    ...updateFields,
  }),
  output: z.object({ integration: WorkspaceIntegrationSchema }),
  annotations: {
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false,
  },
  async handler(args, ctx) {
    const { workspaceId: given, id, alias, newAlias, ...fields } = args;
    const workspaceId = resolveWorkspaceId(given, ctx.defaultWorkspaceId);
    const target = await resolveSelector(ctx, workspaceId, { id, alias });
    const body = newAlias === undefined ? fields : { ...fields, alias: newAlias };
    try {
      const res = await ctx.api.updateWorkspaceIntegration(workspaceId, target.id, body, {
        signal: ctx.signal,
      });
      ctx.changed(workspaceId);
      const i = res.integration;
      return {
        data: { integration: i },
        summary: `Updated "${i.alias}" (id ${i.id}) in workspace ${workspaceId}: ${Object.keys(body).join(", ") || "no fields"}.`,
        links: changeLinks(workspaceId),
      };
    } catch (err) {
      throw newAlias ? await withExistingOnDuplicate(err, ctx, workspaceId, newAlias) : err;
    }
  },
});
