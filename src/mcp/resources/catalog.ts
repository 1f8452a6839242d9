import { WeavzApiError } from "../../api/errors.js";
import type { WeavzApi } from "../../api/types.js";
import { integrationsUri, mcpToolsUri, WORKSPACES_URI } from "../uris.js";
import { HISTORY_TEMPLATE, historyUri, readHistory } from "./history.js";

/** A resource the server can read, identified by a parsed URI. */
export type ResourceRef =
  | { kind: "workspaces"; uri: string }
  | { kind: "integrations"; uri: string; workspaceId: string }
  | { kind: "mcp-tools"; uri: string; workspaceId: string }
  | { kind: "history"; uri: string; workspaceId: string };

/** Resource templates, as resources/templates/list shows them. */
export const RESOURCE_TEMPLATES = [
  {
    uriTemplate: "weavz://workspaces/{workspaceId}/integrations",
    name: "workspace-integrations",
    title: "Workspace integrations",
    description:
      "The integrations configured in a workspace (as list_workspace_integrations returns them).",
    mimeType: "application/json",
  },
  {
    uriTemplate: "weavz://workspaces/{workspaceId}/mcp-tools",
    name: "workspace-mcp-tools",
    title: "MCP server tools of a workspace",
    description:
      "Every MCP server of the workspace with the tools it exposes right now, auto-synced from the workspace's integrations.",
    mimeType: "application/json",
  },
  HISTORY_TEMPLATE,
] as const;

export const WORKSPACES_RESOURCE = {
  uri: WORKSPACES_URI,
  name: "workspaces",
  title: "Workspaces",
  description: "The workspaces this API key can reach.",
  mimeType: "application/json",
} as const;

const TEMPLATE_RE = /^weavz:\/\/workspaces\/([^/]+)\/(integrations|mcp-tools|history)$/;

/** Parses a weavz:// URI, or returns undefined for one this server does not serve. */
export function parseResourceUri(uri: string): ResourceRef | undefined {
  if (uri === WORKSPACES_URI) return { kind: "workspaces", uri };
  const m = TEMPLATE_RE.exec(uri);
  if (!m) return undefined;
  let workspaceId: string;
  try {
    workspaceId = decodeURIComponent(m[1] as string);
  } catch {
    return undefined;
  }
  if (!workspaceId || workspaceId === "." || workspaceId === "..") return undefined;
  return { kind: m[2] as "integrations" | "mcp-tools" | "history", uri, workspaceId };
}

/** Reads a resource's JSON content through the API. */
export async function readResource(
  api: WeavzApi,
  ref: ResourceRef,
  signal?: AbortSignal,
): Promise<unknown> {
  const opts = signal ? { signal } : {};
  switch (ref.kind) {
    case "history":
      return readHistory(api, ref.workspaceId, signal);
    case "workspaces": {
      const { workspaces, total } = await api.listWorkspaces({ limit: 100 }, opts);
      return { workspaces, total };
    }
    case "integrations": {
      const { integrations, total } = await api.listWorkspaceIntegrations(ref.workspaceId, opts);
      return { workspaceId: ref.workspaceId, integrations, total };
    }
    case "mcp-tools": {
      const { servers } = await api.listMcpServers(
        { workspaceId: ref.workspaceId, limit: 100 },
        opts,
      );
      // A server deleted between the list and its read is simply gone, not an error.
      const detailed = (
        await Promise.all(
          servers.map((s) =>
            api.getMcpServer(s.id, opts).catch((err: unknown) => {
              if (err instanceof WeavzApiError && err.status === 404) return undefined;
              throw err;
            }),
          ),
        )
      ).filter((d) => d !== undefined);
      return {
        workspaceId: ref.workspaceId,
        servers: detailed.map((d) => ({ server: d.server, tools: d.tools })),
        toolCount: detailed.reduce((n, d) => n + d.tools.length, 0),
      };
    }
  }
}

/** The concrete URIs of one workspace. */
export const workspaceUris = (workspaceId: string) => [
  integrationsUri(workspaceId),
  mcpToolsUri(workspaceId),
  historyUri(workspaceId),
];
