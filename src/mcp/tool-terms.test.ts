import { describe, expect, it } from "vitest";
import { inToolTerms } from "./tool-terms.js";

describe("inToolTerms", () => {
  it.each([
    [
      "Workspace w1 not found; list workspaces with GET /api/v1/workspaces.",
      "Workspace w1 not found; list workspaces with list_workspaces.",
    ],
    [
      '"x" is not in the catalog (GET /api/v1/integrations?search=… lists integrations)',
      '"x" is not in the catalog (search_catalog lists integrations)',
    ],
    [
      "no connection; list connections with GET /api/v1/connections?integrationName=slack",
      'no connection; list connections with list_connections {"integrationName":"slack"}',
    ],
    [
      "create or list connections with /api/v1/connections, or use per_user",
      "create or list connections with list_connections, or use per_user",
    ],
    [
      "or update the existing one (PATCH /api/v1/workspaces/w1/integrations/i9).",
      'or update the existing one (update_workspace_integration {"id":"i9"}).',
    ],
    ["HTTP 503 from POST /api/v1/workspaces/w1/integrations", "HTTP 503 from the Weavz API"],
    ["run it with POST /api/v1/actions/execute", "run it with execute_action"],
  ])("%s", (rest, tools) => {
    expect(inToolTerms(rest)).toBe(tools);
  });

  it("leaves no REST method or path in any local API message shape", () => {
    const out = inToolTerms(
      'Switch static bearer off first (PATCH /api/v1/mcp/servers/{id} with {"authMode":"oauth"} for that server), or use per_user_with_fallback.',
    );
    for (const f of ["/api/v1", "GET ", "POST ", "PATCH ", "DELETE "]) expect(out).not.toContain(f);
    expect(out).toContain("list_mcp_servers");
  });
});
