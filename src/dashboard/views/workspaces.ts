import { html } from "hono/html";
import type { WorkspaceSummary } from "../data.js";
import { type Page, workspacePath } from "./layout.js";

/** The first page: every workspace this session may see. */
export function workspacesPage(list: WorkspaceSummary[], backend: string): Page {
  const body =
    list.length === 0
      ? html`<p class="empty">No workspace is visible to this login.</p>`
      : html`<table class="grid workspaces">
<caption class="sr-only">Workspaces</caption>
<thead><tr><th scope="col">Workspace</th><th scope="col">Slug</th><th scope="col">Integrations</th><th scope="col">Id</th></tr></thead>
<tbody>${list.map(
          (w) => html`<tr data-workspace="${w.workspace.id}">
<th scope="row"><a href="${workspacePath(w.workspace.id)}">${w.workspace.name}</a></th>
<td><code>${w.workspace.slug}</code></td>
<td class="num">${w.integrations ?? "?"}</td>
<td><code class="id">${w.workspace.id}</code></td>
</tr>`,
        )}</tbody></table>`;
  return {
    title: "Workspaces",
    top: html`<h1>Workspaces</h1><p class="lead">${backend}</p>`,
    body,
  };
}
