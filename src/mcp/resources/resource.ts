import type { WeavzApi } from "../../api/types.js";
import type { Workspace } from "../../domain/index.js";
import type { ToolsetName } from "../../toolsets.js";

/** JSON, the content type of every data resource. */
export const JSON_MIME = "application/json";

/**
 * The API calls resource reads may make: reads only (a resource never writes). The change hub
 * needs no more than this and the change counter, so a test can stand in for just these.
 */
export type ResourceApi = Pick<
  WeavzApi,
  "listWorkspaces" | "listWorkspaceIntegrations" | "listMcpServers" | "getMcpServer" | "listChanges"
>;

/** What a resource read gets: the parsed URI's parts and the caller's API. */
export interface ResourceRead {
  api: ResourceApi;
  uri: string;
  /** Set for a per-workspace resource (a `{workspaceId}` template). */
  workspaceId?: string;
  signal?: AbortSignal | undefined;
}

/**
 * A resource as data: one file per resource under src/mcp/resources/, one line in the
 * inventory (src/mcp/inventory.ts). Registration, listing, filtering, reading and the change
 * hub all loop over these.
 */
export interface ResourceDef {
  /**
   * The URI, or a template whose one variable is `{workspaceId}` (a resource per workspace:
   * resources/templates/list shows it, resources/list names it for each workspace).
   */
  uri: string;
  name: string;
  title: string;
  description: string;
  /** Content type; anything but JSON must be read as a string (e.g. an MCP App's HTML). */
  mimeType: string;
  /** The toolset that switches it on (--toolsets), like a tool's. */
  toolset: ToolsetName;
  /** `_meta` of its list entry and contents (e.g. MCP Apps' `ui`). */
  meta?: Record<string, unknown>;
  /** Name and title of one workspace's instance, for resources/list (templates only). */
  listed?(workspace: Workspace): { name: string; title: string };
  /** The content: JSON data (serialized here), or the text itself for non-JSON types. */
  read(req: ResourceRead): Promise<unknown>;
  /**
   * Whether a change made through a tool to a workspace refreshes this resource's instance of
   * that workspace (and so notifies its watchers). Templates only; default true.
   */
  refreshOnChange?: boolean;
}

/** A URI this server serves, parsed: which resource, and its workspace if per-workspace. */
export interface ResourceRef {
  def: ResourceDef;
  uri: string;
  workspaceId?: string;
}

const WORKSPACE_VAR = "{workspaceId}";

/** Whether a definition is per workspace (its URI is a `{workspaceId}` template). */
export const isTemplate = (def: ResourceDef): boolean => def.uri.includes(WORKSPACE_VAR);

/** The concrete URI of a per-workspace resource for one workspace. */
export const instanceUri = (def: ResourceDef, workspaceId: string): string =>
  def.uri.replace(WORKSPACE_VAR, encodeURIComponent(workspaceId));

/** A parser of URIs for one definition: its parts when the URI is one of its instances. */
export function uriMatcher(def: ResourceDef): (uri: string) => ResourceRef | undefined {
  if (!isTemplate(def)) return (uri) => (uri === def.uri ? { def, uri } : undefined);
  const [head, tail] = def.uri.split(WORKSPACE_VAR) as [string, string];
  return (uri) => {
    if (!uri.startsWith(head) || !uri.endsWith(tail)) return undefined;
    const raw = uri.slice(head.length, uri.length - tail.length);
    if (raw.length === 0 || raw.includes("/")) return undefined;
    let workspaceId: string;
    try {
      workspaceId = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
    if (workspaceId === "." || workspaceId === "..") return undefined;
    return { def, uri, workspaceId };
  };
}
