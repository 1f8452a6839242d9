import { JSON_MIME, type ResourceDef } from "./resource.js";

/** weavz://workspaces/{workspaceId}/integrations, as list_workspace_integrations returns them. */
const workspaceIntegrations: ResourceDef = {
  uri: "weavz://workspaces/{workspaceId}/integrations",
  name: "workspace-integrations",
  title: "Workspace integrations",
  description:
    "The integrations configured in a workspace (as list_workspace_integrations returns them).",
  mimeType: JSON_MIME,
  toolset: "integrations",
  listed: (w) => ({ name: `${w.slug}-integrations`, title: `${w.name}: integrations` }),
  async read({ api, workspaceId = "", signal }) {
    const { integrations, total } = await api.listWorkspaceIntegrations(workspaceId, { signal });
    return { workspaceId, integrations, total };
  },
};
export default workspaceIntegrations;
