import {
  type CallToolResult,
  ProtocolError,
  ProtocolErrorCode,
} from "@modelcontextprotocol/server";
import {
  WeavzAbortError,
  WeavzApiError,
  WeavzConnectionError,
  WeavzCreateNotAppliedError,
  WeavzTimeoutError,
} from "../../api/errors.js";
import type { FieldIssue } from "../../domain/errors.js";
import type { Logger } from "../../log.js";
import { closestMatches } from "../suggest.js";
import { type ToolDef, ToolInputError } from "../tool.js";
import { inToolTerms } from "../tool-terms.js";
import {
  type Candidates,
  describeIssues,
  isPlainFact,
  quotesOnlyTokens,
  suggestionsBeyondIssues,
} from "./issues.js";
import {
  apiNextStep,
  checkFirst,
  createApplied,
  type NextStepCode,
  retryWithClosest,
} from "./next-steps.js";
import { type ErrorParts, errorText, render } from "./render.js";

/** Codes whose field issues carry the whole story (the message is their one-line join). */
const INVALID_REQUEST_CODES: ReadonlySet<string> = new Set(["VALIDATION_ERROR", "INVALID_JSON"]);

/** Arguments rejected by the tool's schema, before any API call. */
export function argumentErrorResult(
  toolName: string,
  issues: FieldIssue[],
  args: unknown = {},
): CallToolResult {
  const data: Record<string, unknown> = {};
  const lines = describeIssues(issues, args, {}, data);
  return render({
    head: `Error INVALID_ARGUMENTS: invalid arguments for ${toolName}:`,
    lines,
    next: `fix the arguments listed above and call ${toolName} again.`,
    data,
  });
}

/** A tools/call for a tool this server does not have (or hides, e.g. in read-only mode). */
export function unknownToolResult(
  name: string,
  available: readonly string[],
  /** The registry's explanation when the tool exists but is not exposed (toolsets, read-only). */
  why?: string,
): CallToolResult {
  if (why && !why.startsWith("Unknown tool")) {
    return render({
      head: `Error TOOL_NOT_ENABLED: ${why}`,
      lines: [],
      next: "use one of the available tools, or ask the user to enable the tool's toolset.",
    });
  }
  const [best] = closestMatches(name, available, 1);
  return render({
    head: `Error UNKNOWN_TOOL: there is no tool "${name}"${best ? `; did you mean ${JSON.stringify(best)}?` : "."}`,
    lines: [`Tools: ${available.join(", ")}.`],
    next: best ? `call ${best} instead.` : "call one of the tools listed above.",
  });
}

/**
 * The one catalog name closest to a misspelt `integrationName` the API rejected, from the
 * field issue's allowed values, the names the caller found, or the API's own suggestions.
 */
function closestIntegrationName(
  err: WeavzApiError,
  args: Record<string, unknown>,
  candidates: Candidates,
): string | undefined {
  const given = args.integrationName;
  if (typeof given !== "string") return undefined;
  const issue = err.fieldIssues.find((i) => i.field === "integrationName");
  if (!issue && err.code !== "INTEGRATION_NOT_FOUND") return undefined;
  const suggested = err.details?.suggestions;
  const pool = [
    ...(Array.isArray(issue?.allowed) ? issue.allowed.map(String) : []),
    ...(candidates.integrationName ?? []),
    ...(Array.isArray(suggested) ? suggested.map(String) : []),
  ].filter((n) => n !== given);
  return closestMatches(given, pool, 1)[0];
}

/**
 * A failure outside tools/call (prompts/get, resources/*) as a JSON-RPC InvalidParams error
 * carrying the same advice as a tool error; `data` becomes the error's data.
 */
export function errorToProtocolError(
  err: unknown,
  log: Logger,
  what: string,
  data?: Record<string, unknown>,
): ProtocolError {
  return new ProtocolError(
    ProtocolErrorCode.InvalidParams,
    errorText(errorParts(err, log, what)),
    data,
  );
}

/**
 * Turns any failure into an isError result that tells the model which tool to call next.
 * `tool` gives per-tool hints; `args` the values to suggest corrections for; `candidates`
 * names found by the caller for fields the API gave no allowed values for.
 */
export function errorToResult(
  err: unknown,
  log: Logger,
  toolName: string,
  tool?: ToolDef,
  args: Record<string, unknown> = {},
  candidates: Candidates = {},
): CallToolResult {
  return render(errorParts(err, log, toolName, tool, args, candidates));
}

/** The line saying a failed create was checked and did not happen. */
const NOT_CREATED = "Checked afterwards: the integration was NOT created, so nothing changed.";

/** The parts of the wording of any failure, decided on the error's fields alone. */
function errorParts(
  err: unknown,
  log: Logger,
  toolName: string,
  tool?: ToolDef,
  args: Record<string, unknown> = {},
  candidates: Candidates = {},
): ErrorParts {
  if (err instanceof ToolInputError)
    return { head: `Error ${err.code}: ${err.message}`, lines: [], next: err.nextStep };
  const hint = (code: NextStepCode) => tool?.hints?.[code];
  if (err instanceof WeavzApiError) {
    // Raw upstream details go to stderr for the operator; the model gets the useful parts.
    log.debug("api error", {
      tool: toolName,
      status: err.status,
      code: err.code,
      requestId: err.requestId,
    });
    const data: Record<string, unknown> = {};
    let message = inToolTerms(err.message).replace(/;? ?did you mean [^?]*\?/i, "");
    if (err.code === "NO_UPDATES") message = "nothing to change was sent.";
    // The field lines below say it all; the API's message would only repeat them.
    else if (err.fieldIssues.length > 0 && INVALID_REQUEST_CODES.has(err.code))
      message = "invalid request:";
    const shown = quotesOnlyTokens(message);
    if (!shown) {
      data.message = message;
      message = "the Weavz API's message quotes stored text; it is in the data below.";
    }
    const head = `Error ${err.reportedCode} (HTTP ${err.status}) from ${toolName}: ${message}`;
    const lines = describeIssues(err.fieldIssues, args, candidates, data);
    lines.push(...suggestionsBeyondIssues(err.fieldIssues, args, candidates));
    if (err.requestId) lines.push(`Request id: ${err.requestId}`);
    const applied = createApplied(err);
    // The client's own sentence in the message already says so when it listed and looked.
    const told = shown && err.createCheck?.basis === "absent";
    if (applied === false && !told) lines.push(NOT_CREATED);
    const closest = closestIntegrationName(err, args, candidates);
    const next = closest
      ? retryWithClosest(
          toolName,
          "integrationName",
          closest,
          err.fieldIssues.some((i) => i.field.split(".")[0] !== "integrationName"),
        )
      : apiNextStep(err, tool, toolName, args, data, applied);
    return { head, lines, next, data };
  }
  if (err instanceof WeavzCreateNotAppliedError) {
    const { alias, existing } = err;
    return {
      head: `Error CREATE_NOT_APPLIED: the create was NOT applied. Its answer was lost, and alias "${alias}" holds an existing ${existing.integrationName} integration (id ${existing.id}) that differs from the request:`,
      lines: err.differences.map(
        (d) =>
          `- ${d.field}: requested ${JSON.stringify(d.requested)}, existing has ${
            // Stored free text (a displayName) stays in the fenced data below.
            isPlainFact(d.found) ? JSON.stringify(d.found) : "the value in the data below"
          }`,
      ),
      next: `choose another alias, or change the existing integration with update_workspace_integration {"id":${JSON.stringify(existing.id)}}.`,
      data: {
        existing,
        differences: err.differences.map((d) => ({ field: d.field, existing: d.found })),
      },
    };
  }
  if (err instanceof WeavzTimeoutError) {
    const applied = createApplied(err);
    const head = `Error TIMEOUT: no answer from the Weavz API within ${err.timeoutMs} ms (${err.attempts} attempt(s)).`;
    if (applied === false) {
      return {
        head,
        lines: [NOT_CREATED],
        next: `it is safe to call ${toolName} again with the same arguments.`,
      };
    }
    return { head, lines: [], next: hint("TIMEOUT") ?? checkFirst(tool, args) };
  }
  if (err instanceof WeavzConnectionError) {
    const applied = createApplied(err);
    const lines = applied === false ? [NOT_CREATED] : [];
    return {
      head: `Error CONNECTION_FAILED: could not reach the Weavz API after ${err.attempts} attempt(s)${err.causeCode ? ` (${err.causeCode})` : ""}.`,
      lines,
      next:
        applied === false || !tool || tool.annotations.readOnlyHint
          ? `check the network and WEAVZ_BASE_URL (--base-url), then call ${toolName} again.`
          : `check the network and WEAVZ_BASE_URL (--base-url); then ${checkFirst(tool, args)}`,
    };
  }
  if (err instanceof WeavzAbortError) {
    return {
      head: "Error CANCELLED: the call was cancelled before it finished.",
      lines: [],
      next:
        !tool || tool.annotations.readOnlyHint
          ? `call ${toolName} again if the answer is still wanted.`
          : checkFirst(tool, args),
    };
  }
  log.error(
    `unexpected failure in ${toolName}: ${err instanceof Error ? err.message : String(err)}`,
  );
  return {
    head: "Error INTERNAL_ERROR: weavz-mcp failed unexpectedly (details are in its log).",
    lines: [],
    next: "try again; if it persists, report it with the server's stderr log.",
  };
}
