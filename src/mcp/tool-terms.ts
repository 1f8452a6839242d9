/**
 * The Weavz API words its errors for REST callers ("list them with GET /api/v1/…"). A model
 * can only call tools, so before an API message reaches it every REST reference is replaced
 * by the tool that does the same thing (or by the dashboard where no tool does). The local
 * API keeps its REST wording for REST users; this mapping lives in the MCP layer only.
 */

const METHOD_PATH = /\b(GET|POST|PATCH|PUT|DELETE) (\/api\/v1)?(\/[^\s)"',;]*)/g;
const BARE_PATH = /\/api\/v1(\/[^\s)"',;]*)?/g;

/** The tool (with arguments) that stands for one REST call, or a phrase for the dashboard. */
export function toolForRest(method: string, path: string): string {
  const [p = "", qs = ""] = path.split("?");
  const params = new URLSearchParams(qs);
  const seg = p.split("/").filter(Boolean);
  if (seg[0] === "workspaces" && seg[2] === "integrations") {
    if (seg.length >= 4) {
      const id = seg[3] && !seg[3].startsWith("{") ? ` {"id":${JSON.stringify(seg[3])}}` : "";
      return method === "DELETE"
        ? `delete_workspace_integration${id}`
        : `update_workspace_integration${id}`;
    }
    return method === "POST" ? "create_workspace_integration" : "list_workspace_integrations";
  }
  if (seg[0] === "workspaces") return seg.length > 1 ? "list_workspaces" : "list_workspaces";
  if (seg[0] === "connections") {
    const name = params.get("integrationName");
    return name && !name.includes("{")
      ? `list_connections {"integrationName":${JSON.stringify(name)}}`
      : "list_connections";
  }
  if (seg[0] === "integrations") {
    const name = params.get("name");
    if (name && !name.includes("{"))
      return `get_catalog_integration {"integrationName":${JSON.stringify(name)}}`;
    return "search_catalog";
  }
  if (seg[0] === "actions") return "execute_action";
  if (seg[0] === "end-users") return "the Weavz dashboard (end users)";
  if (seg[0] === "mcp" && seg[1] === "servers") {
    if (method !== "GET") return "the Weavz dashboard (MCP server settings)";
    return seg.length > 2 && !seg[2]?.startsWith("{") ? "get_mcp_server" : "list_mcp_servers";
  }
  return "the matching tool";
}

/** toolForRest, keeping a sentence's full stop that the path pattern swallowed. */
function asTool(method: string, path: string): string {
  const stop = /\.+$/.exec(path)?.[0] ?? "";
  return toolForRest(method, path.slice(0, path.length - stop.length)) + stop;
}

/** Rewrites every REST method/path in an API message into tool terms. */
export function inToolTerms(message: string): string {
  if (!message.includes("/api/v1") && !/\b(GET|POST|PATCH|PUT|DELETE) \//.test(message))
    return message;
  return (
    message
      // "HTTP 503 from POST /api/v1/…" (the client's text for a body that was not JSON).
      .replace(/\bfrom (GET|POST|PATCH|PUT|DELETE) \/\S+/g, "from the Weavz API")
      // "(PATCH /api/v1/mcp/servers/{id} with {"authMode":"oauth"} for that server)"
      .replace(
        /\(?PATCH (\/api\/v1)?\/mcp\/servers\/\S+ with \{"authMode":"oauth"\}[^)]*\)?/g,
        "(in the Weavz dashboard, set that MCP server's authMode to oauth; list_mcp_servers shows which)",
      )
      .replace(METHOD_PATH, (_m, method: string, _api, path: string) => asTool(method, path))
      .replace(BARE_PATH, (_m, path: string | undefined) => asTool("GET", path ?? "/"))
  );
}
