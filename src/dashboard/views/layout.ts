import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import { ASSET_VERSION } from "../assets.js";

/** What `html` returns; every interpolated value in it is escaped unless it is one itself. */
export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/** The tabs of one workspace. */
export type WorkspaceTab = "integrations" | "servers" | "history" | "picture";

const TABS: { tab: WorkspaceTab; label: string; path: string }[] = [
  { tab: "integrations", label: "Integrations", path: "" },
  { tab: "servers", label: "MCP servers", path: "/servers" },
  { tab: "history", label: "History", path: "/history" },
  { tab: "picture", label: "Picture", path: "/picture" },
];

/** The path of a workspace page (ids are percent-encoded). */
export const workspacePath = (workspaceId: string, sub = "") =>
  `/workspaces/${encodeURIComponent(workspaceId)}${sub}`;

/** Where an undo of a change, or of a whole plan, is previewed and confirmed. */
export function undoPath(
  workspaceId: string,
  target: { changeId: string } | { planId: string },
): string {
  return "changeId" in target
    ? workspacePath(workspaceId, `/history/${encodeURIComponent(target.changeId)}/undo`)
    : workspacePath(workspaceId, `/history/plan/${encodeURIComponent(target.planId)}/undo`);
}

/** A page: its title, what sits above the live region, and the live region itself. */
export interface Page {
  title: string;
  /** Headings, tabs and controls: kept while the live region is replaced. */
  top?: Html;
  /** Re-rendered and swapped in on every change (the fragment the script fetches). */
  body: Html;
  /** The workspace the live feed follows (absent: the workspaces list). */
  workspaceId?: string;
}

/** Who is looking, for the header; absent on the login and refusal pages. */
export interface Viewer {
  principal: string;
  csrf: string;
}

/** The whole document around a page. */
export function layout(page: Page, viewer?: Viewer): Html {
  const events = viewer
    ? `/events${page.workspaceId ? `?workspace=${encodeURIComponent(page.workspaceId)}` : ""}`
    : undefined;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${page.title} · weavz-mcp</title>
<link rel="stylesheet" href="/assets/dashboard.css?v=${ASSET_VERSION}">
${viewer ? html`<meta name="csrf-token" content="${viewer.csrf}"><script src="/assets/dashboard.js?v=${ASSET_VERSION}" defer></script>` : ""}
</head>
<body${events ? html` data-events="${events}"` : ""}>
<header class="bar">
<a class="brand" href="/">weavz-mcp <span>dashboard</span></a>
${
  viewer
    ? html`<span id="live" class="live" role="status" data-state="connecting">Connecting…</span>
<span class="who">Signed in as <strong>${viewer.principal}</strong></span>
<form method="post" action="/logout" class="logout"><input type="hidden" name="_csrf" value="${viewer.csrf}"><button type="submit">Log out</button></form>`
    : ""
}
</header>
<main id="main">
${page.top ?? ""}
<div id="live-region">${page.body}</div>
</main>
</body>
</html>`;
}

/** The tab bar of a workspace. */
export function tabs(workspaceId: string, current: WorkspaceTab): Html {
  return html`<nav class="tabs" aria-label="Workspace pages"><ul>${TABS.map(
    (t) =>
      html`<li><a href="${workspacePath(workspaceId, t.path)}"${t.tab === current ? html` aria-current="page"` : ""}>${t.label}</a></li>`,
  )}</ul></nav>`;
}

/** The heading of a workspace page, with the way back to the list. */
export function workspaceTop(
  workspace: { id: string; name: string },
  current: WorkspaceTab,
  extra?: Html,
): Html {
  return html`<p class="crumbs"><a href="/">Workspaces</a> › <span>${workspace.name}</span></p>
<h1>${workspace.name} <code class="id">${workspace.id}</code></h1>
${tabs(workspace.id, current)}
${extra ?? ""}`;
}

/** A one-paragraph page (errors, refusals). */
export function messagePage(title: string, message: Html | string, viewer?: Viewer): Html {
  return layout({ title, body: html`<h1>${title}</h1><p class="message">${message}</p>` }, viewer);
}

/** Two-letter initials for an integration badge: "Google Sheets" → "GS", "slack" → "SL". */
export function initials(name: string): string {
  const words = name.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  if (words.length === 0) return "?";
  const letters =
    words.length === 1 ? (words[0] as string).slice(0, 2) : words.map((w) => w[0]).join("");
  return letters.slice(0, 2).toUpperCase();
}

/** One of 12 colours, stable per name, so each integration keeps its badge colour. */
export function hueOf(name: string): number {
  let h = 0;
  for (const ch of name) h = (h * 31 + (ch.codePointAt(0) ?? 0)) % 12;
  return h;
}

/**
 * The integration's badge: the catalog has no icons (the local catalog carries none and the
 * hosted one's would be a remote image, which the dashboard never loads), so its initials.
 */
export function badge(integrationName: string, catalogName: string): Html {
  // A class, not a style attribute: the page's CSP allows no inline styles.
  return html`<span class="badge hue-${hueOf(integrationName)}" aria-hidden="true">${initials(catalogName)}</span>`;
}

/** A time as UTC text, inside a <time> the script shows in local time. */
export function when(iso: string): Html {
  const d = new Date(iso);
  const text = Number.isNaN(d.getTime())
    ? iso
    : `${d.toISOString().slice(0, 19).replace("T", " ")} UTC`;
  return html`<time datetime="${iso}">${text}</time>`;
}
