import { html } from "hono/html";
import type { ServerView, WorkspaceView } from "../data.js";
import { type Html, type Page, workspaceTop } from "./layout.js";

/** Tools grouped by the integration alias they come from (CODE-mode meta tools under "meta"). */
function groups(s: ServerView): [string, ServerView["tools"]][] {
  const by = new Map<string, ServerView["tools"]>();
  for (const t of s.tools) {
    const key = t.integrationAlias ?? "meta";
    by.set(key, [...(by.get(key) ?? []), t]);
  }
  return [...by.entries()];
}

function serverCard(s: ServerView): Html {
  const srv = s.server;
  return html`<section class="card server" id="server-${srv.id}" aria-labelledby="server-${srv.id}-name">
<h2 id="server-${srv.id}-name">${srv.name} <span class="pill">${srv.mode === "CODE" ? "code mode" : "tools mode"}</span> <span class="pill">${srv.authMode}</span></h2>
${srv.description ? html`<p class="sub">${srv.description}</p>` : ""}
<p class="count"><strong class="tool-count">${s.tools.length}</strong> tools exposed now</p>
${
  s.tools.length === 0
    ? html`<p class="muted">No tools: the workspace has no integration with enabled actions.</p>`
    : groups(s).map(
        ([
          alias,
          tools,
        ]) => html`<h3 class="group">${alias} <span class="muted">(${tools.length})</span></h3>
<ul class="tools">${tools.map((t) => html`<li><code>${t.name}</code></li>`)}</ul>`,
      )
}
</section>`;
}

/** The MCP servers page: each server and the tools it exposes now, synced from the integrations. */
export function serversPage(view: WorkspaceView): Page {
  const ws = view.workspace;
  const body =
    view.servers.length === 0
      ? html`<p class="empty">No MCP servers in this workspace. An MCP server exposes the workspace's integrations as tools named <code>{alias}__{action}</code>; create one with the Weavz API or the <code>mcp-servers</code> tools.</p>`
      : html`<p class="lead">Tools are synced from the integrations: each enabled action of each integration is one tool <code>{alias}__{action}</code>, so an integration change shows here at once.</p>
<div class="cards">${view.servers.map(serverCard)}</div>`;
  return {
    title: `${ws.name}: MCP servers`,
    workspaceId: ws.id,
    top: workspaceTop(ws, "servers"),
    body,
  };
}
