// Names of the App on the server side. The in-chat views (src/apps-view) spell the same two
// strings themselves: the layering test keeps browser code importing only its own folder.
// test/apps/browser.test.ts drives Approve through the real server, so a mismatch fails there.

/** The plan review App's Approve/Cancel helper tool (see decide.ts). */
export const DECIDE_TOOL = "app_decide_change";

/** The `_meta` key under which a linked result carries what the plan review App needs. */
export const VIEW_META_KEY = "weavz/view";
