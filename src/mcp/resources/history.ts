import { changeView } from "../tools/list-changes.js";
import { JSON_MIME, type ResourceApi, type ResourceDef } from "./resource.js";

/**
 * `weavz://workspaces/{workspaceId}/history`: the latest page of the workspace's change
 * journal (as list_changes shows it). Subscribable in both eras like the other workspace
 * resources: changes made through this server refresh it at once, changes made by another
 * process are found by the change feed (the local API's counter moves with every journal
 * entry; in hosted mode the watched resources are re-read).
 */
const workspaceHistory: ResourceDef = {
  uri: "weavz://workspaces/{workspaceId}/history",
  name: "workspace-history",
  title: "Change history of a workspace",
  description:
    "The latest changes to the workspace's integrations, newest first: who, what (before → after), when; ids for undo_change.",
  mimeType: JSON_MIME,
  toolset: "history",
  listed: (w) => ({ name: `${w.slug}-history`, title: `${w.name}: change history` }),
  read: ({ api, workspaceId = "", signal }) => readHistory(api, workspaceId, signal),
};
export default workspaceHistory;

/** Entries on the resource's one page. */
const HISTORY_PAGE = 20;

/** The resource's content. */
async function readHistory(
  api: ResourceApi,
  workspaceId: string,
  signal?: AbortSignal,
): Promise<unknown> {
  const page = await api.listChanges(
    { workspaceId, limit: HISTORY_PAGE, offset: 0 },
    signal ? { signal } : {},
  );
  return { workspaceId, changes: page.entries.map(changeView), total: page.total };
}
