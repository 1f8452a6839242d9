import { html } from "hono/html";
import type { ChangeEntry, IntegrationSnapshot } from "../../domain/journal.js";
import { PLAN_FIELDS } from "../../domain/plan/model.js";
import { type Html, type Page, undoPath, when, workspacePath, workspaceTop } from "./layout.js";

/** Fields of a snapshot, in the order the diffs show them: the plan's own list. */
const FIELDS = PLAN_FIELDS;

/** A field value as short text: null as "—" (for enabledActions "all actions"), lists and objects as compact JSON. */
export function valueText(v: unknown, field?: string): string {
  if (v === null && field === "enabledActions") return "all actions";
  if (v === null || v === undefined) return "—";
  if (typeof v === "string") return v;
  return JSON.stringify(v);
}

/** One before/after table: the fields that differ; a create or delete lists the whole configuration. */
export function diffTable(
  before: IntegrationSnapshot | null,
  after: IntegrationSnapshot | null,
): Html {
  const only = after ?? before;
  if (!before || !after) {
    if (!only) return html``;
    const head = after ? "Created with" : "Deleted; it had";
    return html`<table class="diff"><caption class="sr-only">${head}</caption>
<thead><tr><th scope="col">Field</th><th scope="col">${head}</th></tr></thead>
<tbody>${FIELDS.map(
      (f) =>
        html`<tr><th scope="row"><code>${f}</code></th><td class="${after ? "after" : "before"}"><code>${valueText(only[f], f)}</code></td></tr>`,
    )}</tbody></table>`;
  }
  const rows = FIELDS.filter((f) => valueText(before[f], f) !== valueText(after[f], f));
  if (rows.length === 0) return html`<p class="muted">No field changed.</p>`;
  return html`<table class="diff"><caption class="sr-only">Before and after</caption>
<thead><tr><th scope="col">Field</th><th scope="col">Before</th><th scope="col">After</th></tr></thead>
<tbody>${rows.map(
    (f) => html`<tr><th scope="row"><code>${f}</code></th>
<td class="before"><code>${valueText(before[f], f)}</code></td>
<td class="after"><code>${valueText(after[f], f)}</code></td></tr>`,
  )}</tbody></table>`;
}

/** Who made a change: the principal, then the client it used. */
export function actorText(e: ChangeEntry): string {
  const p = e.actor.principal;
  const who = p.label ? `${p.label} (${p.kind})` : p.kind;
  return e.actor.client
    ? `${who} via ${e.actor.client.name} ${e.actor.client.version}`.trim()
    : who;
}

function origin(e: ChangeEntry): Html | string {
  if (e.source === "apply") return html` · plan <code>${e.planId}</code> step ${e.step}`;
  if (e.source === "undo") return html` · undo of <code>${e.undoes}</code>`;
  return "";
}

function entry(e: ChangeEntry, workspaceId: string): Html {
  const planUndo = e.planId ? undoPath(workspaceId, { planId: e.planId }) : undefined;
  const title =
    e.operation === "rename" ? `${e.before?.alias ?? "?"} → ${e.target.alias}` : e.target.alias;
  return html`<li class="card change" id="change-${e.id}" data-change="${e.id}" data-alias="${e.target.alias}" data-operation="${e.operation}">
<div class="change-head"><span class="op op-${e.operation}">${e.operation}</span>
<strong class="target">${title}</strong> <span class="muted">(${e.target.integrationName})</span>
<span class="muted">${when(e.time)} · by <span class="actor">${actorText(e)}</span>${origin(e)}</span>
${e.outcome === "unknown" ? html`<span class="pill status-error">outcome unknown</span>` : ""}</div>
${diffTable(e.before, e.after)}
${e.redacted && e.redacted.length > 0 ? html`<p class="muted small">Withheld as secrets (not restorable): ${e.redacted.join(", ")}</p>` : ""}
<div class="actions-row"><a class="button" href="${undoPath(workspaceId, { changeId: e.id })}">Undo…</a>${
    planUndo && e.source !== "direct"
      ? html`<a class="button" href="${planUndo}">Undo the whole ${e.source === "undo" ? "undo" : "plan"}…</a>`
      : ""
  }</div>
</li>`;
}

/** The history query a page shows. */
export interface HistoryQueryView {
  integration?: string | undefined;
  offset: number;
  limit: number;
}

/** The history page: the journal's entries for the workspace, newest first, paged. */
export function historyPage(
  workspace: { id: string; name: string },
  entries: ChangeEntry[],
  total: number,
  q: HistoryQueryView,
  notes: { kind: string; notice?: Html | undefined },
): Page {
  const base = (offset: number) =>
    workspacePath(
      workspace.id,
      `/history?${new URLSearchParams({ ...(q.integration ? { integration: q.integration } : {}), offset: String(offset) })}`,
    );
  const newer = q.offset > 0 ? base(Math.max(0, q.offset - q.limit)) : undefined;
  const older = q.offset + entries.length < total ? base(q.offset + q.limit) : undefined;
  const scopeNote =
    notes.kind === "local-api"
      ? "Every change to this workspace's integrations, whoever made it, as the local API recorded it."
      : "Only changes made through this weavz-mcp server are listed: the hosted Weavz API keeps no history, so changes made elsewhere (its dashboard, other clients) are not here.";
  const body = html`${notes.notice ?? ""}
${q.integration ? html`<p class="notice">Showing the history of one integration. <a href="${workspacePath(workspace.id, "/history")}">Show all changes</a></p>` : ""}
${
  entries.length === 0
    ? html`<p class="empty">No changes recorded yet.</p>`
    : html`<p class="count">${total} change${total === 1 ? "" : "s"}${total > entries.length ? `, ${q.offset + 1}–${q.offset + entries.length} shown` : ""}</p>
<ol class="history">${entries.map((e) => entry(e, workspace.id))}</ol>`
}
${newer || older ? html`<nav class="pager" aria-label="History pages">${newer ? html`<a class="button" href="${newer}">Newer</a>` : ""} ${older ? html`<a class="button" href="${older}">Older</a>` : ""}</nav>` : ""}`;
  return {
    title: `${workspace.name}: history`,
    workspaceId: workspace.id,
    top: workspaceTop(workspace, "history", html`<p class="lead">${scopeNote}</p>`),
    body,
  };
}
