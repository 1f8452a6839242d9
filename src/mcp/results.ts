import type { CallToolResult } from "@modelcontextprotocol/server";
import {
  WeavzAbortError,
  WeavzApiError,
  WeavzConnectionError,
  WeavzCreateNotAppliedError,
  WeavzTimeoutError,
} from "../api/errors.js";
import type { FieldIssue } from "../domain/errors.js";
import type { Logger } from "../log.js";
import { maskDeep, maskSecrets, mightHoldSecret } from "../mask.js";
import { ToolInputError, type ToolOutcome } from "./tool.js";

/** A successful call: JSON in structuredContent, the same JSON as text for older clients. */
export function successResult(outcome: ToolOutcome<unknown>): CallToolResult {
  const text = `${outcome.summary}\n${JSON.stringify(outcome.data)}`;
  const content: CallToolResult["content"] = [{ type: "text", text }];
  for (const link of outcome.links ?? []) {
    content.push({
      type: "resource_link",
      uri: link.uri,
      name: link.name,
      mimeType: "application/json",
      ...(link.description ? { description: link.description } : {}),
    });
  }
  // Safety net: the API client already masks upstream data; this also covers anything a
  // handler composed itself. The text holds everything but the links, so when neither could
  // hold a secret the walk is skipped.
  const result = { content, structuredContent: outcome.data as Record<string, unknown> };
  const links = (outcome.links ?? []).map((l) => `${l.uri} ${l.name} ${l.description ?? ""}`);
  return mightHoldSecret(`${text}\n${links.join("\n")}`) ? maskDeep(result) : result;
}

function errorResult(headline: string, lines: string[], nextStep: string): CallToolResult {
  const text = maskSecrets([headline, ...lines, `Next step: ${nextStep}`].join("\n"));
  return { isError: true, content: [{ type: "text", text }] };
}

function describeIssues(issues: FieldIssue[]): string[] {
  return issues.map((i) => {
    const allowed = i.allowed === undefined ? "" : ` Allowed: ${formatAllowed(i.allowed)}.`;
    return `- ${i.field}: ${i.message}.${allowed}`.replace(/\.\./g, ".");
  });
}

function formatAllowed(allowed: unknown): string {
  if (Array.isArray(allowed)) {
    const shown = allowed
      .slice(0, 40)
      .map((a) => JSON.stringify(a))
      .join(", ");
    return allowed.length > 40 ? `${shown}, … (${allowed.length} in all)` : shown;
  }
  return JSON.stringify(allowed);
}

/** Arguments rejected by the tool's schema, before any API call. */
export function argumentErrorResult(toolName: string, issues: FieldIssue[]): CallToolResult {
  return errorResult(
    `Invalid arguments for ${toolName}:`,
    describeIssues(issues),
    "fix the arguments listed above and call the tool again.",
  );
}

const NEXT_STEP: Record<string, string> = {
  NOT_FOUND:
    "check the id: call list_workspace_integrations (or list_workspaces for a workspace) to see what exists.",
  NO_UPDATES:
    "pass at least one field to change: newAlias, connectionStrategy, connectionId, displayName, enabledActions, settings or sortOrder.",
  MCP_BEARER_BLOCKS_PER_USER:
    "either switch the workspace's static-bearer MCP server off first, or use connectionStrategy per_user_with_fallback with a fallback connectionId.",
  CONNECTION_NOT_FOUND:
    "call list_connections to pick an existing connectionId for this integration.",
  INTEGRATION_NOT_FOUND: "call search_catalog to find the integration's exact name.",
  SCOPE_DENIED:
    "this API key is scoped to other workspaces: use a workspace it may touch (list_workspaces), or a key with access (WEAVZ_API_KEY / --api-key).",
  FORBIDDEN:
    "the API key lacks permission for this: use a key with access (WEAVZ_API_KEY / --api-key).",
  UNAUTHORIZED:
    "the Weavz API rejected the API key: set a valid key in WEAVZ_API_KEY (or --api-key), or unset it to use the embedded local API.",
};

/** Turns any failure into an isError result that tells the model what to do next. */
export function errorToResult(err: unknown, log: Logger, toolName: string): CallToolResult {
  if (err instanceof ToolInputError) return errorResult(`Error: ${err.message}`, [], err.nextStep);
  if (err instanceof WeavzApiError) {
    // Raw upstream details go to stderr for the operator; the model gets the useful parts.
    log.debug("api error", {
      tool: toolName,
      status: err.status,
      code: err.code,
      requestId: err.requestId,
    });
    const head = `Error ${err.code} (HTTP ${err.status}): ${err.message}`;
    const lines: string[] = [];
    if (err.fieldIssues.length > 0) lines.push(...describeIssues(err.fieldIssues));
    if (err.requestId) lines.push(`Request id: ${err.requestId}`);
    switch (err.code) {
      case "VALIDATION_ERROR":
      case "INVALID_JSON":
        return errorResult(head, lines, "correct the fields listed above and call the tool again.");
      case "DUPLICATE": {
        const existing = err.details?.existing;
        if (existing) lines.push(`Existing integration: ${JSON.stringify(existing)}`);
        return errorResult(
          head,
          lines,
          "choose another alias, or update the existing integration with update_workspace_integration.",
        );
      }
      case "RATE_LIMITED":
        return errorResult(
          head,
          lines,
          `wait ${err.retryAfterSeconds ?? "a few"} seconds, then call the tool again.`,
        );
      default: {
        const step = NEXT_STEP[err.code];
        if (step) return errorResult(head, lines, step);
        if (err.status === 401) return errorResult(head, lines, NEXT_STEP.UNAUTHORIZED as string);
        if (err.status === 403) return errorResult(head, lines, NEXT_STEP.FORBIDDEN as string);
        if (err.status >= 500) {
          return errorResult(
            head,
            lines,
            "the Weavz API failed; try again in a moment, and check with a list call whether a change was applied.",
          );
        }
        return errorResult(head, lines, "read the message above, adjust the call, and try again.");
      }
    }
  }
  if (err instanceof WeavzCreateNotAppliedError) {
    const { alias, existing } = err;
    return errorResult(
      `Error CREATE_NOT_APPLIED: the create was NOT applied. Its answer was lost, and alias "${alias}" holds an existing ${existing.integrationName} integration (id ${existing.id}) that differs from the request:`,
      [
        ...err.differences.map(
          (d) =>
            `- ${d.field}: requested ${JSON.stringify(d.requested)}, existing has ${JSON.stringify(d.found)}`,
        ),
        `Existing integration: ${JSON.stringify(existing)}`,
      ],
      "choose another alias, or change the existing integration with update_workspace_integration.",
    );
  }
  if (err instanceof WeavzTimeoutError) {
    return errorResult(
      `Error TIMEOUT: no answer from the Weavz API for ${err.method} ${err.path} within ${err.timeoutMs} ms (${err.attempts} attempt(s)).`,
      [],
      "the change may or may not have been applied: call list_workspace_integrations to check before retrying.",
    );
  }
  if (err instanceof WeavzConnectionError) {
    return errorResult(
      `Error CONNECTION_FAILED: could not reach the Weavz API for ${err.method} ${err.path} after ${err.attempts} attempt(s): ${err.message}`,
      [],
      "check the network and WEAVZ_BASE_URL (--base-url), then try again.",
    );
  }
  if (err instanceof WeavzAbortError) {
    return errorResult(
      "Error CANCELLED: the call was cancelled before it finished.",
      [],
      "call the tool again if the change is still wanted, after checking with a list call.",
    );
  }
  log.error(
    `unexpected failure in ${toolName}: ${err instanceof Error ? err.message : String(err)}`,
  );
  return errorResult(
    "Error INTERNAL_ERROR: weavz-mcp failed unexpectedly (details are in its log).",
    [],
    "try again; if it persists, report it with the server's stderr log.",
  );
}
