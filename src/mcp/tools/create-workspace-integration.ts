import { z } from "zod";
import {
  CreateWorkspaceIntegrationSchema,
  WorkspaceIntegrationSchema,
} from "../../domain/integration.js";
import { resolveWorkspaceId, WorkspaceIdArg } from "../args.js";
import { safeToken } from "../fence.js";
import { defineTool, WORKSPACE_HINTS } from "../tool.js";
import { changeLinks, withExistingOnDuplicate } from "./shared.js";

export default defineTool({
  name: "create_workspace_integration",
  title: "Add an integration to a workspace",
  toolset: "integrations",
  description:
    "Add a catalog integration (slack, kv-store, …) to a workspace. fixed (default) and per_user_with_fallback need a connectionId of that integration (list_connections), except built-ins but ai-toolkit. alias defaults to integrationName, unique per workspace.",
  input: CreateWorkspaceIntegrationSchema.extend({ workspaceId: WorkspaceIdArg }),
  output: z.object({
    integration: WorkspaceIntegrationSchema,
    reconciled: z.boolean().optional().describe("Found by alias after a lost answer."),
  }),
  annotations: {
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: false,
    openWorldHint: false,
  },
  hints: WORKSPACE_HINTS,
  async handler(args, ctx) {
    const { workspaceId: given, ...body } = args;
    const workspaceId = resolveWorkspaceId(given, ctx.defaultWorkspaceId);
    try {
      const res = await ctx.api.createWorkspaceIntegration(workspaceId, body, {
        signal: ctx.signal,
      });
      ctx.changed(workspaceId);
      const i = res.integration;
      const reconciled = res.reconciled === true;
      return {
        data: reconciled ? { integration: i, reconciled } : { integration: i },
        summary: `Created ${safeToken(i.integrationName)} as alias "${safeToken(i.alias)}" (id ${safeToken(i.id)}, ${i.connectionStrategy}) in workspace ${workspaceId}${reconciled ? " (confirmed by looking it up after the answer was lost)" : ""}.`,
        links: changeLinks(workspaceId),
      };
    } catch (err) {
      throw await withExistingOnDuplicate(
        err,
        ctx,
        workspaceId,
        body.alias ?? body.integrationName,
      );
    }
  },
});
