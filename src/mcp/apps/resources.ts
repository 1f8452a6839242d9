import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { RESOURCE_MIME_TYPE } from "@modelcontextprotocol/ext-apps/server";
import type { ReadResourceResult, Resource } from "@modelcontextprotocol/server";
import { PLAN_APP_URI, WORKSPACE_APP_URI } from "./links.js";

/** The App views: each a single self-contained HTML file built by scripts/build-apps.mjs. */
const VIEWS = [
  {
    uri: PLAN_APP_URI,
    file: "plan.html",
    name: "weavz-plan-review",
    title: "Weavz plan review",
    description:
      "In-chat review of a workspace plan or a confirmable change: each step as a diff, with Approve and Cancel.",
  },
  {
    uri: WORKSPACE_APP_URI,
    file: "workspace.html",
    name: "weavz-workspace-overview",
    title: "Weavz workspace overview",
    description:
      "In-chat overview of a workspace: integrations with strategy, connection status and actions, and each MCP server's tools.",
  },
] as const;

/**
 * The `_meta.ui` of both views. Everything is inlined, so the views need no origin at all:
 * empty domain lists keep the host's CSP at the spec's restrictive default (no connect, no
 * outside scripts, styles, images or frames). The HTML carries its own stricter CSP too.
 */
const UI_META = {
  ui: {
    csp: { connectDomains: [], resourceDomains: [], frameDomains: [], baseUriDomains: [] },
    prefersBorder: true,
  },
};

/** The ui:// resources, for resources/list (only to clients that render Apps). */
export const APP_RESOURCES: readonly Resource[] = VIEWS.map((v) => ({
  uri: v.uri,
  name: v.name,
  title: v.title,
  description: v.description,
  mimeType: RESOURCE_MIME_TYPE,
  _meta: UI_META,
}));

const cache = new Map<string, string>();

/** resources/read of an App view; undefined for any other URI. */
export function readAppResource(uri: string): ReadResourceResult | undefined {
  const view = VIEWS.find((v) => v.uri === uri);
  if (!view) return undefined;
  let text = cache.get(view.file);
  if (text === undefined) {
    text = readFileSync(viewPath(view.file), "utf8");
    cache.set(view.file, text);
  }
  return { contents: [{ uri, mimeType: RESOURCE_MIME_TYPE, text, _meta: UI_META }] };
}

/**
 * Where the built views are: `dist/apps/` beside the bundled server (dist/cli.js and its
 * chunks), or, when this module runs from src (tests), the package's own dist.
 */
function viewPath(file: string): string {
  const candidates = [
    new URL(`./apps/${file}`, import.meta.url),
    new URL(`../../../dist/apps/${file}`, import.meta.url),
  ].map((u) => fileURLToPath(u));
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new Error(
      `The App view ${file} is missing (looked in ${candidates.join(", ")}); build it with npm run build.`,
    );
  }
  return found;
}
