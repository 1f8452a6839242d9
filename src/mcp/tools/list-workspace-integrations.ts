import { z } from "zod";
import { WorkspaceIntegrationListItemSchema } from "../../domain/integration.js";
import { resolveWorkspaceId, WorkspaceIdArg } from "../args.js";
import { defineTool, READ_ONLY } from "../tool.js";
import { integrationsUri } from "../uris.js";

export default defineTool({
  name: "list_workspace_integrations",
  title: "List workspace integrations",
  toolset: "integrations",
  description:
    "List a workspace's integrations: alias, connection strategy, pinned connection and its status, enabledActions (null = all), settings. Gives the id or alias to update or delete.",
  input: z.strictObject({ workspaceId: WorkspaceIdArg }),
  output: z.object({
    workspaceId: z.string(),
    integrations: z.array(WorkspaceIntegrationListItemSchema),
    total: z.number(),
  }),
  annotations: READ_ONLY,
  async handler(args, ctx) {
    const workspaceId = resolveWorkspaceId(args.workspaceId, ctx.defaultWorkspaceId);
    const res = await ctx.api.listWorkspaceIntegrations(workspaceId, { signal: ctx.signal });
    const aliases = res.integrations.map((i) => i.alias).join(", ");
    return {
      data: { workspaceId, integrations: res.integrations, total: res.total },
      summary: `${res.total} integration(s) in workspace ${workspaceId}${aliases ? `: ${aliases}` : ""}.`,
      links: [{ uri: integrationsUri(workspaceId), name: "workspace integrations" }],
    };
  },
});
