import type { Context, Hono } from "hono";
import { html } from "hono/html";
import { WeavzApiError } from "../api/errors.js";
import { apiJournal } from "../api/journal.js";
import type { WeavzApi } from "../api/types.js";
import {
  applyUndo,
  previewUndo,
  type UndoDeps,
  type UndoPreview,
  UndoRefusedError,
  type UndoTarget,
  UndoTargetNotFoundError,
} from "../api/undo.js";
import type { ChangeJournal } from "../domain/journal.js";
import type { Logger } from "../log.js";
import type { ResourceHub } from "../mcp/resources/hub.js";
import { scopedApi } from "../mcp/scope.js";
import { VERSION } from "../version.js";
import type { Session } from "./access.js";
import { type DashboardEnv, formField } from "./guard.js";
import { failureResponse, messageResponse, renderPage } from "./render.js";
import { historyPage } from "./views/history.js";
import type { Html } from "./views/layout.js";
import { undoPage } from "./views/undo.js";

/** Entries on one history page. */
const PAGE_SIZE = 20;

/** What the history pages need from the dashboard. */
export interface HistoryDeps {
  api: WeavzApi;
  hub: ResourceHub;
  log: Logger;
  /** Who keeps the journal (wording: the local API records everything, hosted mode only its own). */
  historyKind: () => ChangeJournal["kind"];
}

/** Who an undo made here is recorded as: the session's principal, through the dashboard. */
function contextOf(session: Session): UndoDeps["context"] {
  return {
    actor: {
      client: { name: "weavz-mcp dashboard", version: VERSION },
      principal: { kind: session.kind, label: session.label },
    },
  };
}

/**
 * The history page (GET …/history) and the undo flow: GET …/undo previews the inverse plan and
 * asks; POST …/undo applies it through the same undo service as the `undo_change` tool, but only
 * if the preview the person confirmed (its fingerprint) is still what would run.
 */
export function historyRoutes(app: Hono<DashboardEnv>, deps: HistoryDeps): void {
  const { log } = deps;
  const undoDeps = (c: Context<DashboardEnv>): UndoDeps & { api: WeavzApi } => {
    const session = c.get("session");
    const api = scopedApi(deps.api, session.scope);
    return {
      api,
      // The journal as the session's API serves it: within its workspace limit.
      journal: apiJournal(api, deps.historyKind()),
      context: contextOf(session),
      signal: c.req.raw.signal,
    };
  };

  app.get("/workspaces/:ws/history", async (c) => {
    const api = scopedApi(deps.api, c.get("session").scope);
    const ws = c.req.param("ws");
    const integration = c.req.query("integration") || undefined;
    const offset = Math.max(0, Number.parseInt(c.req.query("offset") ?? "0", 10) || 0);
    let workspace: { id: string; name: string };
    try {
      workspace = (await api.getWorkspace(ws)).workspace;
    } catch (err) {
      return failureResponse(c, err, log);
    }
    try {
      const page = await api.listChanges({
        workspaceId: ws,
        integration,
        limit: PAGE_SIZE,
        offset,
      });
      return renderPage(
        c,
        historyPage(
          workspace,
          page.entries,
          page.total,
          { integration, offset, limit: PAGE_SIZE },
          {
            kind: deps.historyKind(),
            notice: undoneNotice(c.req.query("undone"), c.req.query("status")),
          },
        ),
      );
    } catch (err) {
      return failureResponse(c, err, log, "This backend serves no change history.");
    }
  });

  const target = (c: Context<DashboardEnv>): UndoTarget => {
    const change = c.req.param("change");
    return change !== undefined
      ? { changeId: change }
      : { planId: c.req.param("plan") as string, workspaceId: c.req.param("ws") as string };
  };

  /** The preview, or the response to send instead (unknown target, another workspace, failure). */
  const preview = async (
    c: Context<DashboardEnv>,
    d: UndoDeps,
  ): Promise<UndoPreview | Response> => {
    const ws = c.req.param("ws") as string;
    try {
      const p = await previewUndo(d, target(c));
      if (p.workspaceId !== ws) throw new UndoTargetNotFoundError("not in this workspace");
      return p;
    } catch (err) {
      if (
        err instanceof UndoTargetNotFoundError ||
        (err instanceof WeavzApiError && err.status === 404)
      ) {
        return messageResponse(
          c,
          404,
          "Not found",
          "There is no such change in this workspace's history (it may be older than the history limit).",
        );
      }
      return failureResponse(c, err, log);
    }
  };

  const workspaceOf = async (c: Context<DashboardEnv>, d: { api: WeavzApi }) =>
    (await d.api.getWorkspace(c.req.param("ws") as string)).workspace;

  const showPreview = async (c: Context<DashboardEnv>) => {
    const d = undoDeps(c);
    const p = await preview(c, d);
    if (p instanceof Response) return p;
    return renderPage(c, undoPage(await workspaceOf(c, d), p, c.get("session").csrf));
  };

  const confirm = async (c: Context<DashboardEnv>) => {
    const seen = await formField(c, "fingerprint");
    const d = undoDeps(c);
    const p = await preview(c, d);
    if (p instanceof Response) return p;
    const ws = await workspaceOf(c, d);
    const csrf = c.get("session").csrf;
    if (seen !== p.fingerprint) {
      return renderPage(c, undoPage(ws, p, csrf, changedNotice()), 409);
    }
    try {
      const result = await applyUndo(d, p);
      // Live pages (this one's history included) refresh at once, not at the next feed tick.
      deps.hub.changed(ws.id);
      log.info(
        `dashboard: ${c.get("session").principal} undid ${"changeId" in p.target ? p.target.changeId : p.target.planId} (${result.status})`,
      );
      if (result.status === "failed") {
        const failed = result.report.failed;
        return renderPage(
          c,
          undoPage(
            ws,
            await previewUndo(d, p.target),
            csrf,
            html`<p class="notice" role="alert">The undo stopped at step ${failed?.n ?? "?"} (${failed?.alias ?? ""}): ${failed?.error.message ?? "failed"}. Steps before it were applied and are in the history.</p>`,
          ),
          502,
        );
      }
      const q = new URLSearchParams({ undone: result.undoPlanId, status: result.status });
      return c.redirect(`/workspaces/${encodeURIComponent(ws.id)}/history?${q}`, 303);
    } catch (err) {
      if (err instanceof UndoRefusedError) {
        return renderPage(c, undoPage(ws, err.preview, csrf, changedNotice()), 409);
      }
      return failureResponse(c, err, log);
    }
  };

  app.get("/workspaces/:ws/history/plan/:plan/undo", showPreview);
  app.post("/workspaces/:ws/history/plan/:plan/undo", confirm);
  app.get("/workspaces/:ws/history/:change/undo", showPreview);
  app.post("/workspaces/:ws/history/:change/undo", confirm);
}

function changedNotice(): Html {
  return html`<p class="notice" role="alert">The workspace or its history changed since this preview was shown, so nothing was applied. This is the undo as it stands now: check it and confirm again.</p>`;
}

function undoneNotice(planId: string | undefined, status: string | undefined): Html | undefined {
  if (!planId) return undefined;
  return html`<p class="notice ok" role="status" id="undone">${status === "nothing_to_do" ? "Nothing needed undoing." : "Undone."} The undo is itself in the history (plan <code>${planId}</code>): undo it to redo the change.</p>`;
}
