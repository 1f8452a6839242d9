// Names the server and the in-chat views (src/apps-view, bundled for the browser) share. This
// module imports nothing, so the views' bundle takes these strings and none of the server.

/** The plan review App's Approve/Cancel helper tool (see decide.ts). */
export const DECIDE_TOOL = "app_decide_change";

/** The `_meta` key under which a linked result carries what the plan review App needs. */
export const VIEW_META_KEY = "weavz/view";
