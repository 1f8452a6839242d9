import { z } from "zod";
import { AliasSchema } from "../../domain/common.js";
import {
  UpdateWorkspaceIntegrationSchema,
  WorkspaceIntegrationSchema,
} from "../../domain/integration.js";
import { resolveWorkspaceId, WorkspaceIdArg } from "../args.js";
import { safeToken } from "../fence.js";
import { defineTool, ToolInputError } from "../tool.js";
import {
  changeLinks,
  resolveSelector,
  SELECTOR_HINTS,
  SelectorArgs,
  withExistingOnDuplicate,
} from "./shared.js";

const { alias: _newAlias, ...updateFields } = UpdateWorkspaceIntegrationSchema.shape;

/** What this tool can change, in its own argument names (alias selects; newAlias renames). */
const CHANGEABLE = ["newAlias", ...Object.keys(updateFields)];

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
  hints: {
    ...SELECTOR_HINTS,
    NO_UPDATES: `pass at least one field to change: ${CHANGEABLE.join(", ")} (alias only selects the integration; newAlias renames it).`,
    DUPLICATE:
      "choose another newAlias: that alias is taken (list_workspace_integrations shows the aliases in use).",
  },
  async handler(args, ctx) {
    const { workspaceId: given, id, alias, newAlias, ...fields } = args;
    const workspaceId = resolveWorkspaceId(given, ctx.defaultWorkspaceId);
    const body = newAlias === undefined ? fields : { ...fields, alias: newAlias };
    if (Object.keys(body).length === 0) {
      // Checked before any call: the API's NO_UPDATES would list its own field `alias`,
      // which in this tool selects the integration instead of renaming it.
      throw new ToolInputError(
        `Nothing to change: ${alias !== undefined ? `alias "${alias}" only selects the integration` : "no field to change was given"}.`,
        `pass at least one of ${CHANGEABLE.join(", ")} with the ${alias !== undefined ? "alias" : "id or alias"}; to rename, use newAlias.`,
        "NO_UPDATES",
      );
    }
    const target = await resolveSelector(ctx, workspaceId, { id, alias });
    try {
      const res = await ctx.api.updateWorkspaceIntegration(workspaceId, target.id, body, {
        signal: ctx.signal,
      });
      ctx.changed(workspaceId);
      const i = res.integration;
      return {
        data: { integration: i },
        summary: `Updated "${safeToken(i.alias)}" (id ${safeToken(i.id)}) in workspace ${workspaceId}: ${Object.keys(
          body,
        )
          .map((k) => (k === "alias" ? "newAlias" : k))
          .join(", ")}.`,
        links: changeLinks(workspaceId),
      };
    } catch (err) {
      throw newAlias ? await withExistingOnDuplicate(err, ctx, workspaceId, newAlias) : err;
    }
  },
});
