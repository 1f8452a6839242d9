import { html } from "hono/html";
import type { WorkspaceView } from "../data.js";
import { type Html, type Page, workspaceTop } from "./layout.js";

/** A box in the picture. */
interface Node {
  key: string;
  label: string;
  sub: string;
  column: 0 | 1 | 2;
  kind: "connection" | "integration" | "server";
  status?: string;
}

/** A line between two boxes, with an optional label (tool counts). */
interface Edge {
  from: string;
  to: string;
  label?: string;
}

const COL_W = 230;
const GAP = 130;
const NODE_H = 46;
const ROW_H = 60;
const TOP = 40;

/** One coordinate of a cubic Bézier curve at t. */
const bezier = (t: number, a: number, b: number, c: number, d: number) =>
  Math.round((1 - t) ** 3 * a + 3 * (1 - t) ** 2 * t * b + 3 * (1 - t) * t ** 2 * c + t ** 3 * d);

const cut = (s: string, n = 30) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/**
 * The workspace as a graph: connections → integrations → MCP servers, each server with its
 * tool count and each integration→server line with the tools that integration gives it.
 */
export function workspaceGraph(view: WorkspaceView): { nodes: Node[]; edges: Edge[] } {
  const nodes: Node[] = [];
  const edges: Edge[] = [];
  const connections = new Map<string, Node>();
  for (const v of view.integrations) {
    const i = v.item;
    let connKey: string | undefined;
    if (i.connectionId) {
      connKey = `c:${i.connectionId}`;
      if (!connections.has(connKey)) {
        connections.set(connKey, {
          key: connKey,
          label: i.connectionDisplayName ?? i.connectionId,
          sub: i.connectionStatus === "ERROR" ? "connection · error" : "connection",
          column: 0,
          kind: "connection",
          status: (i.connectionStatus ?? "unknown").toLowerCase(),
        });
      }
    } else if (i.connectionStrategy !== "fixed") {
      connKey = "c:per-user";
      if (!connections.has(connKey)) {
        connections.set(connKey, {
          key: connKey,
          label: "Each user's own",
          sub: "per-user connections",
          column: 0,
          kind: "connection",
        });
      }
    }
    if (i.connectionStrategy === "per_user_with_fallback" && !connections.has("c:per-user")) {
      connections.set("c:per-user", {
        key: "c:per-user",
        label: "Each user's own",
        sub: "per-user connections",
        column: 0,
        kind: "connection",
      });
    }
    const key = `i:${i.id}`;
    nodes.push({
      key,
      label: i.alias,
      sub: `${v.catalogName} · ${i.connectionStrategy.replaceAll("_", " ")}`,
      column: 1,
      kind: "integration",
    });
    if (connKey) edges.push({ from: connKey, to: key });
    if (i.connectionStrategy === "per_user_with_fallback" && connKey !== "c:per-user")
      edges.push({ from: "c:per-user", to: key });
  }
  nodes.unshift(...connections.values());
  for (const s of view.servers) {
    const key = `s:${s.server.id}`;
    nodes.push({
      key,
      label: s.server.name,
      sub: `${s.tools.length} tools · ${s.server.mode.toLowerCase()} mode`,
      column: 2,
      kind: "server",
    });
    const perSource = new Map<string, number>();
    for (const t of s.tools) {
      if (t.sourceWorkspaceIntegrationId)
        perSource.set(
          t.sourceWorkspaceIntegrationId,
          (perSource.get(t.sourceWorkspaceIntegrationId) ?? 0) + 1,
        );
    }
    for (const [source, n] of perSource) {
      edges.push({ from: `i:${source}`, to: key, label: `${n} tool${n === 1 ? "" : "s"}` });
    }
  }
  return { nodes, edges };
}

/** The picture as an SVG; every label is escaped text. */
function svg(nodes: Node[], edges: Edge[], title: string): Html {
  const pos = new Map<string, { x: number; y: number }>();
  const rows = [0, 0, 0];
  for (const n of nodes) {
    const row = rows[n.column] as number;
    rows[n.column] = row + 1;
    pos.set(n.key, { x: n.column * (COL_W + GAP), y: TOP + row * ROW_H });
  }
  const height = TOP + Math.max(1, ...rows) * ROW_H;
  const width = 3 * COL_W + 2 * GAP;
  const heads = ["Connections", "Integrations", "MCP servers"];
  return html`<svg class="picture" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="picture-title">
<title id="picture-title">${title}</title>
${heads.map((h, c) => html`<text class="head" x="${c * (COL_W + GAP)}" y="20">${h}</text>`)}
${edges.map((e) => {
  const a = pos.get(e.from);
  const b = pos.get(e.to);
  if (!a || !b) return "";
  const x1 = a.x + COL_W;
  const y1 = a.y + NODE_H / 2;
  const x2 = b.x;
  const y2 = b.y + NODE_H / 2;
  const mx = (x1 + x2) / 2;
  return html`<path class="edge" d="M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}"></path>${
    // A third of the way along: lines from different boxes fan in to one server (and from
    // one box out to several), so there they are apart.
    e.label
      ? html`<text class="edge-label" x="${bezier(0.3, x1, mx, mx, x2) + 4}" y="${bezier(0.3, y1, y1, y2, y2) - 5}">${e.label}</text>`
      : ""
  }`;
})}
${nodes.map((n) => {
  const p = pos.get(n.key) as { x: number; y: number };
  return html`<g class="node ${n.kind}${n.status ? ` status-${n.status}` : ""}" data-key="${n.key}">
<rect x="${p.x}" y="${p.y}" width="${COL_W}" height="${NODE_H}" rx="8"></rect>
<text x="${p.x + 12}" y="${p.y + 19}" class="label">${cut(n.label)}</text>
<text x="${p.x + 12}" y="${p.y + 36}" class="sub">${cut(n.sub, 36)}</text>
</g>`;
})}
</svg>`;
}

/** The picture page: the graph, and the same facts as a list for screen readers and copying. */
export function picturePage(view: WorkspaceView): Page {
  const ws = view.workspace;
  const { nodes, edges } = workspaceGraph(view);
  const toolTotal = view.servers.reduce((n, s) => n + s.tools.length, 0);
  const summary = `${view.integrations.length} integrations, ${nodes.filter((n) => n.kind === "connection").length} connections, ${view.servers.length} MCP servers, ${toolTotal} tools`;
  const body =
    nodes.length === 0
      ? html`<p class="empty">Nothing to draw yet: no integrations and no MCP servers.</p>`
      : html`<p class="lead">${summary}</p>
<div class="picture-wrap">${svg(nodes, edges, `${ws.name}: ${summary}`)}</div>
<details class="as-list"><summary>The picture as a list</summary><ul>${view.integrations.map(
          (v) =>
            html`<li><strong>${v.item.alias}</strong> (${v.catalogName}, ${v.item.connectionStrategy}) — connection: ${v.item.connectionDisplayName ?? v.item.connectionId ?? "none"} — ${v.toolCount} tools</li>`,
        )}${view.servers.map((s) => html`<li>MCP server <strong>${s.server.name}</strong>: ${s.tools.length} tools</li>`)}</ul></details>`;
  return {
    title: `${ws.name}: picture`,
    workspaceId: ws.id,
    top: workspaceTop(ws, "picture"),
    body,
  };
}
