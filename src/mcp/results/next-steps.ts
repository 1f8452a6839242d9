import type { ApiErrorCode, WeavzApiError, WeavzError } from "../../api/errors.js";
import { type ToolDef, WORKSPACE_NOT_FOUND_STEP } from "../tool.js";

/** Next step for a field issue: the tool that lists what is valid for that field. */
export function nextStepForField(field: string, args: Record<string, unknown>): string | undefined {
  const name = typeof args.integrationName === "string" ? args.integrationName : undefined;
  const nameArg = name ? ` {"integrationName":${JSON.stringify(name)}}` : "";
  const top = field.split(".")[0];
  if (top === "integrationName")
    return 'call search_catalog with words for what it does (e.g. {"query":"chat messages"}) to find the exact integrationName, then call the tool again.';
  if (top === "enabledActions")
    return `call get_catalog_integration${nameArg} for the exact action names, then call the tool again.`;
  if (top === "connectionId")
    return `call list_connections${nameArg} to pick a connectionId of that integration (or use connectionStrategy per_user), then call the tool again.`;
  if (top === "settings")
    return `call get_catalog_integration${nameArg} to see which settings blocks it takes, then call the tool again.`;
  return undefined;
}

/**
 * The next step when a misspelt name has one closest valid name: retry with it (sending the
 * model to search_catalog first would waste a call on a name that is already known).
 */
export function retryWithClosest(
  toolName: string,
  field: string,
  closest: string,
  otherIssues: boolean,
): string {
  return `call ${toolName} again with ${field} ${JSON.stringify(closest)}${otherIssues ? " and the other fields above corrected" : ""}; if ${JSON.stringify(closest)} is not the one meant, call search_catalog with words for what it does.`;
}

/** The codes a next step is keyed by: the API's, and TIMEOUT for a call that ran out of time. */
export type NextStepCode = ApiErrorCode | "TIMEOUT";

/** Default next steps by error code; a tool's own `hints` come first. */
const NEXT_STEP = {
  NOT_FOUND:
    "check the id: call list_workspace_integrations (or list_workspaces for a workspace) to see what exists.",
  NO_UPDATES:
    "pass at least one field to change: newAlias, connectionStrategy, connectionId, displayName, enabledActions, settings or sortOrder.",
  MCP_BEARER_BLOCKS_PER_USER:
    "use connectionStrategy per_user_with_fallback with a fallback connectionId (list_connections), or first switch the workspace's static-bearer MCP server to OAuth in the Weavz dashboard (list_mcp_servers shows which).",
  CONNECTION_NOT_FOUND:
    "call list_connections to pick an existing connectionId for this integration.",
  CONNECTION_REQUIRED:
    "call list_connections to pick a connectionId for this integration, or use connectionStrategy per_user.",
  INTEGRATION_NOT_FOUND: "call search_catalog to find the integration's exact name.",
  ACTION_NOT_FOUND: "call get_catalog_integration for the exact action names.",
  SCOPE_DENIED:
    "this API key is scoped to other workspaces: call list_workspaces for one it may touch, or use a key with access (WEAVZ_API_KEY / --api-key).",
  FORBIDDEN:
    "the API key lacks permission for this: use a key with access (WEAVZ_API_KEY / --api-key).",
  UNAUTHORIZED:
    "the Weavz API rejected the API key: set a valid key in WEAVZ_API_KEY (or --api-key), or unset it to use the embedded local API.",
  PAYLOAD_TOO_LARGE: "send less: fewer enabledActions or smaller settings.",
} satisfies Partial<Record<ApiErrorCode, string>>;
const nextStepByCode: Partial<Record<ApiErrorCode, string>> = NEXT_STEP;

/** What the client established about a failed create (see api/create.ts reconciliation). */
export function createApplied(err: WeavzError): false | undefined {
  return err.createOutcome === "not_created" ? false : undefined;
}

/** What a workspace-integration write that may have been applied should do next. */
export function checkFirst(tool: ToolDef | undefined, args: Record<string, unknown>): string {
  if (!tool || tool.annotations.readOnlyHint)
    return `call ${tool?.name ?? "the tool"} again in a moment.`;
  const alias = typeof args.alias === "string" ? args.alias : args.integrationName;
  const q = typeof alias === "string" ? ` {"query":${JSON.stringify(alias)}}` : "";
  return `the change may or may not have been applied: call list_workspace_integrations${q} to check before calling ${tool.name} again.`;
}

export function apiNextStep(
  err: WeavzApiError,
  tool: ToolDef | undefined,
  toolName: string,
  args: Record<string, unknown>,
  data: Record<string, unknown>,
  applied: boolean | undefined,
): string {
  if (applied === false && (err.status >= 500 || err.status === 429))
    return `it is safe to call ${toolName} again with the same arguments${err.status === 429 ? ` after ${err.retryAfterSeconds ?? "a few"} seconds` : ""}.`;
  switch (err.code) {
    case "VALIDATION_ERROR":
    case "INVALID_JSON": {
      for (const issue of err.fieldIssues) {
        const step = nextStepForField(issue.field, args);
        if (step) return step;
      }
      return `correct the fields listed above and call ${toolName} again.`;
    }
    case "DUPLICATE": {
      const existing = err.details?.existing as Record<string, unknown> | undefined;
      if (existing) data.existing = existing;
      const id = typeof existing?.id === "string" ? existing.id : undefined;
      return (
        tool?.hints?.DUPLICATE ??
        `choose another alias, or change the existing integration with update_workspace_integration${id ? ` {"id":${JSON.stringify(id)}}` : ""}.`
      );
    }
    case "RATE_LIMITED":
      return `wait ${err.retryAfterSeconds ?? "a few"} seconds, then call ${toolName} again.`;
    case "MCP_BEARER_BLOCKS_PER_USER": {
      const d = err.details ?? {};
      for (const k of ["mcpServers", "integrations"]) if (d[k]) data[k] = d[k];
      break;
    }
    case "NOT_FOUND":
      if (err.missing === "workspace") return WORKSPACE_NOT_FOUND_STEP;
      break;
  }
  const step = tool?.hints?.[err.code] ?? nextStepByCode[err.code];
  if (step) return step;
  if (err.status === 401) return NEXT_STEP.UNAUTHORIZED;
  if (err.status === 403) return NEXT_STEP.FORBIDDEN;
  if (err.status >= 500) {
    return tool && !tool.annotations.readOnlyHint
      ? `the Weavz API failed; ${checkFirst(tool, args)}`
      : `the Weavz API failed; call ${toolName} again in a moment.`;
  }
  return `read the message above, adjust the arguments, and call ${toolName} again.`;
}
