import { z } from "zod";
import { resolveWorkspaceId, WorkspaceIdArg } from "../args.js";
import { ConfirmArg, ConfirmOutput } from "../confirm.js";
import { safeToken } from "../fence.js";
import { DESTRUCTIVE, defineTool, ToolInputError } from "../tool.js";
import { changeLinks, resolveSelector, SELECTOR_HINTS, SelectorArgs } from "./shared.js";

export default defineTool({
  name: "delete_workspace_integration",
  title: "Remove an integration from a workspace",
  toolset: "integrations",
  description:
    "Remove a workspace integration (by id or alias) and its MCP server tools. The connection stays. The user confirms first.",
  input: z.strictObject({ workspaceId: WorkspaceIdArg, ...SelectorArgs, confirm: ConfirmArg }),
  output: z.object({
    deleted: z.boolean(),
    id: z.string(),
    workspaceId: z.string(),
    ...ConfirmOutput,
  }),
  annotations: DESTRUCTIVE,
  hints: SELECTOR_HINTS,
  confirm: {
    async inspect(args, ctx) {
      const workspaceId = resolveWorkspaceId(args.workspaceId, ctx.defaultWorkspaceId);
      const target = await resolveSelector(ctx, workspaceId, args);
      // Selected by alias, the list was read already; by id, it is read here.
      const found =
        target.item ??
        (
          await ctx.api.listWorkspaceIntegrations(workspaceId, { signal: ctx.signal })
        ).integrations.find((i) => i.id === target.id);
      if (!found) {
        throw new ToolInputError(
          `No workspace integration with id ${target.id} in workspace ${workspaceId}.`,
          "call list_workspace_integrations to see the ids and aliases that exist.",
          "NOT_FOUND",
        );
      }
      const preview = {
        id: found.id,
        alias: found.alias,
        integrationName: found.integrationName,
        displayName: found.displayName,
        connectionStrategy: found.connectionStrategy,
        connectionId: found.connectionId,
        enabledActions: found.enabledActions,
        effect: "The integration and its MCP server tools are removed; the connection stays.",
      };
      return {
        // Everything a person would check before saying yes: a later edit voids the answer.
        key: {
          workspaceId,
          id: found.id,
          state: [
            found.alias,
            found.integrationName,
            found.connectionStrategy,
            found.connectionId,
            found.enabledActions,
            found.settings ?? null,
            found.updatedAt,
          ],
        },
        question: `Delete the integration "${found.alias}" (${found.integrationName}, ${found.connectionStrategy}) from workspace ${workspaceId}?`,
        what: `deleting workspace integration "${safeToken(found.alias)}" (id ${safeToken(found.id)}) from workspace ${workspaceId}`,
        preview,
      };
    },
    notDone(args, pending, ctx) {
      return {
        deleted: false,
        id: String(pending.key.id),
        workspaceId: resolveWorkspaceId(args.workspaceId, ctx.defaultWorkspaceId),
      };
    },
  },
  async handler(args, ctx) {
    const workspaceId = resolveWorkspaceId(args.workspaceId, ctx.defaultWorkspaceId);
    const target = await resolveSelector(ctx, workspaceId, args);
    const res = await ctx.api.deleteWorkspaceIntegration(workspaceId, target.id, {
      signal: ctx.signal,
    });
    ctx.changed(workspaceId);
    return {
      data: { deleted: true, id: res.id, workspaceId },
      summary: `Deleted workspace integration ${target.alias ? `"${safeToken(target.alias)}" ` : ""}(id ${safeToken(res.id)}) from workspace ${workspaceId}.`,
      links: changeLinks(workspaceId),
    };
  },
});
