import { resolveWorkspaceId } from "../args.js";
import { fenceData } from "../fence.js";
import { changeView, journalScope } from "../tools/list-changes.js";
import { type PromptDef, userText } from "./types.js";

/** Changes read for the review: enough for a day of agent work, small enough for a prompt. */
const REVIEW_MAX = 50;

/** What changed since a time, by whom, and what to undo (history toolset). */
export const reviewRecentChanges: PromptDef = {
  name: "review_recent_changes",
  title: "Review recent changes",
  description:
    "Summarises what changed in a workspace since a time (default: the last 24 hours), grouped by who made it, flags risky changes (deletes, strategy switches, renames), and proposes undo_change calls for the user to approve.",
  toolset: "history",
  // It proposes undos; the undo itself is the user's to approve.
  writes: false,
  arguments: [
    {
      name: "workspaceId",
      description:
        "Workspace id (from list_workspaces); defaults to the server's WEAVZ_WORKSPACE_ID.",
      required: false,
      complete: "workspaceId",
    },
    {
      name: "since",
      description:
        "ISO-8601 time to review from, e.g. 2026-01-31T09:00:00Z (default: 24 hours ago).",
      required: false,
    },
  ],
  async build(args, ctx) {
    const workspaceId = resolveWorkspaceId(args.workspaceId, ctx.defaultWorkspaceId);
    const parsed = args.since ? Date.parse(args.since) : Number.NaN;
    const since = new Date(
      Number.isNaN(parsed) ? Date.now() - 24 * 3600_000 : parsed,
    ).toISOString();
    const page = await ctx.journal.list({ workspaceId, since, limit: REVIEW_MAX, offset: 0 });
    const changes = page.entries.map(changeView);
    return [
      userText(
        [
          `Review what changed in workspace ${workspaceId} since ${since} and report to me. ${page.total === 0 ? "The journal holds no change in that time." : `The journal holds ${page.total} change(s) in that time${page.total > changes.length ? ` (the newest ${changes.length} are below; list_changes with offset shows the rest)` : ""}.`}`,
          journalScope(ctx.journal.kind),
          "",
          "1. Group the changes by who made them (actor: the MCP client and the user or token), newest first, one plain sentence each: what changed, before → after.",
          "2. Flag the risky ones: deletes, connectionStrategy switches (per_user cuts off the shared bot), renames (callers of the old alias break), changes to enabledActions that remove actions.",
          "3. For anything that looks like a mistake, propose an undo_change call (changeId, or planId for a whole apply) and say what it would put back. Do not call it: I decide. If a later change touched the same integration, say that it must be undone first.",
          "",
          fenceData(JSON.stringify({ since, changes }), "Changes in the journal"),
        ].join("\n"),
      ),
    ];
  },
};
