import { WORKSPACES_URI } from "../uris.js";
import { JSON_MIME, type ResourceDef } from "./resource.js";

/** weavz://workspaces: the workspaces this API key can reach. */
const workspaces: ResourceDef = {
  uri: WORKSPACES_URI,
  name: "workspaces",
  title: "Workspaces",
  description: "The workspaces this API key can reach.",
  mimeType: JSON_MIME,
  toolset: "integrations",
  async read({ api, signal }) {
    const { workspaces, total } = await api.listWorkspaces({ limit: 100 }, { signal });
    return { workspaces, total };
  },
};
export default workspaces;
