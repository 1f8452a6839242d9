import { html } from "hono/html";
import type { IntegrationView, WorkspaceView } from "../data.js";
import { badge, type Html, type Page, workspacePath, workspaceTop } from "./layout.js";

const STRATEGY_LABELS: Record<string, string> = {
  fixed: "fixed",
  per_user: "per user",
  per_user_with_fallback: "per user, fallback",
};

/** The words a row is found by: what the filter box matches (lower case). */
export function searchText(v: IntegrationView): string {
  const i = v.item;
  return [
    i.alias,
    i.integrationName,
    v.catalogName,
    i.displayName,
    i.connectionStrategy,
    i.connectionDisplayName,
    i.connectionStatus,
  ]
    .filter((s): s is string => typeof s === "string")
    .join(" ")
    .toLowerCase();
}

/** Whether a row matches a filter: every word must occur. */
export function matches(v: IntegrationView, query: string): boolean {
  const text = searchText(v);
  return query
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((w) => text.includes(w));
}

function connectionCell(v: IntegrationView): Html {
  const i = v.item;
  if (!i.connectionId) {
    return i.connectionStrategy === "per_user"
      ? html`<span class="muted">each user's own</span>`
      : html`<span class="muted">none needed</span>`;
  }
  const status = i.connectionStatus ?? "UNKNOWN";
  return html`<span class="conn">${i.connectionDisplayName ?? i.connectionId}</span>
<span class="pill status-${status.toLowerCase()}">${status === "ACTIVE" ? "active" : status === "ERROR" ? "error" : "unknown"}</span>
${i.connectionStrategy === "per_user_with_fallback" ? html`<span class="muted small">fallback</span>` : ""}`;
}

function actionsCell(actions: string[] | null): Html {
  if (actions === null) return html`<span class="muted">all actions</span>`;
  const shown = actions.slice(0, 6);
  return html`<ul class="chips">${shown.map((a) => html`<li><code>${a}</code></li>`)}${
    actions.length > shown.length
      ? html`<li class="muted">+${actions.length - shown.length} more</li>`
      : ""
  }</ul>`;
}

function settingsCell(settings: Record<string, unknown> | undefined): Html {
  const keys = settings ? Object.keys(settings) : [];
  if (keys.length === 0) return html`<span class="muted">defaults</span>`;
  return html`<details><summary>${keys.join(", ")}</summary><pre>${JSON.stringify(settings, null, 2)}</pre></details>`;
}

function row(v: IntegrationView, workspaceId: string, hidden: boolean): Html {
  const i = v.item;
  return html`<tr id="integration-${i.id}" data-alias="${i.alias}" data-filter="${searchText(v)}"${hidden ? html` hidden` : ""}>
<th scope="row"><div class="ident">${badge(i.integrationName, v.catalogName)}<div><span class="alias">${i.alias}</span>
<span class="sub">${v.catalogName}${i.displayName ? html` · <span class="display-name">${i.displayName}</span>` : ""}</span></div></div></th>
<td><span class="pill strategy">${STRATEGY_LABELS[i.connectionStrategy] ?? i.connectionStrategy}</span></td>
<td>${connectionCell(v)}</td>
<td>${actionsCell(i.enabledActions)}</td>
<td>${settingsCell(i.settings)}</td>
<td class="num">${v.toolCount}</td>
<td><a href="${workspacePath(workspaceId, `/history?integration=${encodeURIComponent(i.id)}`)}" aria-label="History of ${i.alias}">History</a></td>
</tr>`;
}

/** The integrations page: a filterable table of the workspace's integrations. */
export function integrationsPage(view: WorkspaceView, query: string): Page {
  const ws = view.workspace;
  const visible = view.integrations.map((v) => matches(v, query));
  const shown = visible.filter(Boolean).length;
  const filter = html`<form class="filter" method="get" role="search">
<label for="filter">Filter integrations</label>
<input id="filter" name="q" type="search" value="${query}" placeholder="alias, integration, strategy, connection…" autocomplete="off">
<button type="submit">Filter</button>
</form>`;
  const body =
    view.integrations.length === 0
      ? html`<p class="empty">No integrations in this workspace yet. Ask your agent, e.g. “add Slack with the bot connection”, and it appears here.</p>`
      : html`<p class="count" data-total="${view.integrations.length}">${shown === view.integrations.length ? `${shown} integrations` : `${shown} of ${view.integrations.length} integrations`}</p>
<table class="grid integrations">
<caption class="sr-only">Integrations of ${ws.name}</caption>
<thead><tr><th scope="col">Integration</th><th scope="col">Strategy</th><th scope="col">Connection</th><th scope="col">Enabled actions</th><th scope="col">Settings</th><th scope="col">Tools</th><th scope="col"><span class="sr-only">Links</span></th></tr></thead>
<tbody>${view.integrations.map((v, n) => row(v, ws.id, !visible[n]))}</tbody>
</table>`;
  return {
    title: `${ws.name}: integrations`,
    workspaceId: ws.id,
    top: workspaceTop(ws, "integrations", view.integrations.length > 0 ? filter : undefined),
    body,
  };
}
