import type { ApiError } from "../errors.js";

/**
 * How an action tool's failure reads on a local MCP endpoint: `Error CODE: what`, one line per
 * argument at fault (named as the tool's own arguments, which are the action's input fields,
 * so `input.key` reads `key`), then a `Next step:` line. The engine's raw `details` are not
 * dumped; only facts beyond the field issues (e.g. a sandbox's console lines) are shown.
 */

/** An endpoint with a static token has no end user: what to change instead. */
export const NO_END_USER_HINT =
  "This MCP endpoint has no end user (its static token is shared), so integrations that keep data per end user cannot run here: set the integration's settings.persistence.scope to workspace or external with update_workspace_integration.";

interface Issue {
  field: string;
  message: string;
}

function issuesOf(err: ApiError): Issue[] {
  const issues = err.details?.issues;
  if (!Array.isArray(issues)) return [];
  return issues.filter(
    (i): i is Issue =>
      typeof (i as Issue)?.field === "string" && typeof (i as Issue)?.message === "string",
  );
}

export function needsEndUser(err: ApiError): boolean {
  return err.code === "VALIDATION_ERROR" && issuesOf(err).some((i) => i.field === "endUserId");
}

/** `is required (unknown)` → `is required (any JSON value)`: "unknown" reads as a fault. */
const inWords = (message: string) => message.replace(/\(unknown\)/g, "(any JSON value)");

/** The next step per code, naming what the caller can do from this endpoint. */
function nextStep(err: ApiError, tool: string, argumentIssues: boolean): string {
  if (needsEndUser(err)) return NO_END_USER_HINT;
  if (argumentIssues)
    return `call ${tool} again with the arguments above corrected (tools/list shows its input schema).`;
  switch (err.code) {
    case "INTEGRATION_UNAVAILABLE":
      return "this action runs only on the hosted Weavz API: tell the user; on this local endpoint only built-ins (kv-store, storage, code, http, …) run.";
    case "ACTION_FAILED":
      return `read the reason above, correct the arguments, and call ${tool} again.`;
    case "NOT_FOUND":
    case "ACTION_NOT_FOUND":
    case "ACTION_NOT_ALLOWED":
      return "call tools/list: the workspace's integrations or enabled actions changed.";
    default:
      return `call ${tool} again with corrected arguments, or tools/list to see what this server offers.`;
  }
}

/** The text of a failed action tool call. */
export function failureText(err: ApiError, tool: string): string {
  const issues = issuesOf(err).filter((i) => i.field !== "endUserId");
  const argumentIssues = issues.filter((i) => i.field.startsWith("input."));
  const lines: string[] = [];
  if (argumentIssues.length > 0 && argumentIssues.length === issues.length) {
    lines.push(`Error ${err.code}: invalid arguments for ${tool}:`);
    for (const i of argumentIssues)
      lines.push(`- ${i.field.slice("input.".length)}: ${inWords(i.message)}.`);
  } else {
    lines.push(`Error ${err.code}: ${inWords(err.message)}`);
  }
  const { issues: _issues, ...rest } = err.details ?? {};
  if (Object.keys(rest).length > 0) lines.push(`details: ${JSON.stringify(rest, null, 2)}`);
  lines.push(
    `Next step: ${nextStep(err, tool, argumentIssues.length > 0 && argumentIssues.length === issues.length)}`,
  );
  return lines.join("\n");
}
