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
  type WeavzError,
  WeavzTimeoutError,
} from "../api/errors.js";
import type { FieldIssue } from "../domain/errors.js";
import type { Logger } from "../log.js";
import { maskDeep, maskSecrets, mightHoldSecret } from "../mask.js";
import { fenceData, isSafeToken } from "./fence.js";
import { rememberJson } from "./result-json.js";
import { closestMatches, didYouMean } from "./suggest.js";
import { type ToolDef, ToolInputError, type ToolOutcome } from "./tool.js";
import { inToolTerms } from "./tool-terms.js";

/** How results are shaped for this server (config: --result-links). */
export interface ResultOptions {
  /** Attach resource_link blocks (default true; LangChain users turn them off). */
  links?: boolean;
}

/**
 * A successful call: JSON in structuredContent, and for older clients the summary plus the
 * same JSON as text, fenced because it holds stored text (names, aliases) that must read as
 * data, not as instructions.
 */
export function successResult(
  outcome: ToolOutcome<unknown>,
  opts: ResultOptions = {},
): CallToolResult {
  const json = outcome.json ?? JSON.stringify(outcome.data);
  const text = `${outcome.summary}\n${fenceData(json)}`;
  const content: CallToolResult["content"] = [{ type: "text", text }];
  if (opts.links !== false) {
    for (const link of outcome.links ?? []) {
      content.push({
        type: "resource_link",
        uri: link.uri,
        name: link.name,
        mimeType: "application/json",
        ...(link.description ? { description: link.description } : {}),
      });
    }
  }
  // Safety net: the API client already masks upstream data; this also covers anything a
  // handler composed itself. The text holds everything but the links, so when neither could
  // hold a secret the walk is skipped.
  const result = { content, structuredContent: outcome.data as Record<string, unknown> };
  const links = (outcome.links ?? []).map((l) => `${l.uri} ${l.name} ${l.description ?? ""}`);
  if (mightHoldSecret(`${text}\n${links.join("\n")}`)) return maskDeep(result);
  // The data is final from here on; the stdio writer reuses its JSON (see result-json.ts).
  if (result.structuredContent && typeof result.structuredContent === "object") {
    rememberJson(result.structuredContent, json);
  }
  return result;
}

/** The parts of an error result: our own words, and stored data to fence. */
interface ErrorParts {
  head: string;
  lines: string[];
  next: string;
  /** Stored text (existing records, upstream messages quoting names), shown fenced. */
  data?: Record<string, unknown>;
}

function render(parts: ErrorParts): CallToolResult {
  const text = [parts.head, ...parts.lines, `Next step: ${parts.next}`];
  if (parts.data && Object.keys(parts.data).length > 0)
    text.push(fenceData(JSON.stringify(parts.data)));
  return { isError: true, content: [{ type: "text", text: maskSecrets(text.join("\n")) }] };
}

/** Extra names to suggest from, per field, found by the caller (e.g. catalog names). */
export type Candidates = Partial<Record<string, readonly string[]>>;

/** The value the model sent for a dotted field path, if any. */
function givenValue(args: unknown, field: string): unknown {
  let v: unknown = args;
  for (const key of field.split(".")) {
    if (!v || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/** The names the model sent for a field that the allowed values do not hold. */
function rejectedNames(given: unknown, allowed: readonly unknown[]): string[] {
  const values = Array.isArray(given) ? given : [given];
  const ok = new Set(allowed.map(String));
  return values.filter((v): v is string => typeof v === "string" && !ok.has(v));
}

const MAX_ALLOWED_SHOWN = 40;

/**
 * One line per field issue: what is wrong, the closest valid names ("did you mean slack?"),
 * and what is allowed; never an empty "Allowed" list.
 */
function describeIssues(
  issues: FieldIssue[],
  args: unknown,
  candidates: Candidates,
  data: Record<string, unknown>,
): string[] {
  return issues.map((i) => {
    let message = inToolTerms(i.message).replace(/;? ?did you mean [^?]*\?/i, "");
    if (!quotesOnlyTokens(message)) {
      data[`${i.field} (message)`] = message;
      message = "the message quotes stored text; it is in the data below";
    }
    const allowed = Array.isArray(i.allowed) ? (i.allowed as unknown[]) : undefined;
    const pool = allowed && allowed.length > 0 ? allowed.map(String) : candidates[i.field];
    let hint = "";
    const unknownArg = i.message.startsWith("unknown argument");
    const given = unknownArg ? i.field : givenValue(args, i.field);
    if (pool && pool.length > 0) {
      const misses = unknownArg ? [i.field] : rejectedNames(given, pool);
      const dym = misses
        .map((m) => {
          const d = didYouMean(m, pool);
          return d && misses.length > 1 ? `${JSON.stringify(m)}: ${d}` : d;
        })
        .filter(Boolean)
        .join("; ");
      if (dym) hint += ` ${dym.charAt(0).toUpperCase()}${dym.slice(1)}`;
    }
    if (allowed && allowed.length > 0) {
      hint += ` Allowed: ${formatAllowed(allowed)}.`;
    } else if (allowed) {
      // An empty list tells the model nothing; say where the valid values are instead.
      hint += " Nothing close is allowed here.";
    }
    return `- ${i.field}: ${message}.${hint}`.replace(/\.\./g, ".");
  });
}

function formatAllowed(allowed: readonly unknown[]): string {
  const shown = allowed
    .slice(0, MAX_ALLOWED_SHOWN)
    .map((a) => JSON.stringify(a))
    .join(", ");
  return allowed.length > MAX_ALLOWED_SHOWN ? `${shown}, … (${allowed.length} in all)` : shown;
}

/** A value safe to show outside a fence: null, a number or boolean, tokens or a list of them. */
function isPlainFact(v: unknown): boolean {
  if (v === null || typeof v === "number" || typeof v === "boolean") return true;
  if (typeof v === "string") return isSafeToken(v);
  return Array.isArray(v) && v.every((x) => typeof x === "string" && isSafeToken(x));
}

/** True when every "quoted" part of a message is an identifier-like token. */
function quotesOnlyTokens(message: string): boolean {
  for (const m of message.matchAll(/"([^"]*)"/g)) {
    if (!isSafeToken(m[1] ?? "")) return false;
  }
  return true;
}

/** "Did you mean" lines for arguments the API rejected without a field issue (e.g. a 404). */
function suggestionsBeyondIssues(
  issues: FieldIssue[],
  args: Record<string, unknown>,
  candidates: Candidates,
): string[] {
  const covered = new Set(issues.map((i) => i.field.split(".")[0]));
  const lines: string[] = [];
  for (const [field, pool] of Object.entries(candidates)) {
    const given = args[field];
    if (covered.has(field) || !pool || typeof given !== "string") continue;
    const dym = didYouMean(given, pool);
    lines.push(
      `- ${field}: ${JSON.stringify(given)} is not known. ${dym ? `${dym.charAt(0).toUpperCase()}${dym.slice(1)}` : "No known name is close."}`,
    );
  }
  return lines;
}

/** Next step for a field issue: the tool that lists what is valid for that field. */
function nextStepForField(field: string, args: Record<string, unknown>): string | undefined {
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
    head: `Error UNKNOWN_TOOL: there is no tool "${name}"${best ? `; did you mean ${JSON.stringify(best)}?` : ""}.`,
    lines: [`Tools: ${available.join(", ")}.`],
    next: best ? `call ${best} instead.` : "call one of the tools listed above.",
  });
}

/** Default next steps by error code; a tool's own `hints` come first. */
const NEXT_STEP: Record<string, string> = {
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
};

/** What the client established about a failed create (see api/client.ts reconciliation). */
function createApplied(err: WeavzError): boolean | undefined {
  const applied = (err as { applied?: unknown }).applied;
  if (typeof applied === "boolean") return applied;
  if (err.createOutcome === "not_created") return false;
  return undefined;
}

/** What a workspace-integration write that may have been applied should do next. */
function checkFirst(tool: ToolDef | undefined, args: Record<string, unknown>): string {
  if (!tool || tool.annotations.readOnlyHint)
    return `call ${tool?.name ?? "the tool"} again in a moment.`;
  const alias = typeof args.alias === "string" ? args.alias : args.integrationName;
  const q = typeof alias === "string" ? ` {"query":${JSON.stringify(alias)}}` : "";
  return `the change may or may not have been applied: call list_workspace_integrations${q} to check before calling ${tool.name} again.`;
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
  const text = (errorToResult(err, log, what).content[0] as { text: string }).text;
  return new ProtocolError(ProtocolErrorCode.InvalidParams, text, data);
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
  if (err instanceof ToolInputError)
    return render({ head: `Error ${err.code}: ${err.message}`, lines: [], next: err.nextStep });
  const hint = (code: string) => tool?.hints?.[code];
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
    // The field lines below say it all; the API's one-line join of them would repeat it.
    else if (err.fieldIssues.length > 0 && /^invalid request\b/i.test(message))
      message = "invalid request:";
    if (!quotesOnlyTokens(message)) {
      data.message = message;
      message = "the Weavz API's message quotes stored text; it is in the data below.";
    }
    const head = `Error ${err.code} (HTTP ${err.status}) from ${toolName}: ${message}`;
    const lines = describeIssues(err.fieldIssues, args, candidates, data);
    lines.push(...suggestionsBeyondIssues(err.fieldIssues, args, candidates));
    if (err.requestId) lines.push(`Request id: ${err.requestId}`);
    const applied = createApplied(err);
    if (applied === false && !/NOT created/.test(message))
      lines.push("Checked afterwards: the integration was NOT created, so nothing changed.");
    const next = apiNextStep(err, tool, toolName, args, data, applied);
    return render({ head, lines, next, data });
  }
  if (err instanceof WeavzCreateNotAppliedError) {
    const { alias, existing } = err;
    return render({
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
    });
  }
  if (err instanceof WeavzTimeoutError) {
    const applied = createApplied(err);
    const head = `Error TIMEOUT: no answer from the Weavz API within ${err.timeoutMs} ms (${err.attempts} attempt(s)).`;
    if (applied === false) {
      return render({
        head,
        lines: ["Checked afterwards: the integration was NOT created, so nothing changed."],
        next: `it is safe to call ${toolName} again with the same arguments.`,
      });
    }
    return render({ head, lines: [], next: hint("TIMEOUT") ?? checkFirst(tool, args) });
  }
  if (err instanceof WeavzConnectionError) {
    const applied = createApplied(err);
    const lines =
      applied === false
        ? ["Checked afterwards: the integration was NOT created, so nothing changed."]
        : [];
    return render({
      head: `Error CONNECTION_FAILED: could not reach the Weavz API after ${err.attempts} attempt(s)${err.causeCode ? ` (${err.causeCode})` : ""}.`,
      lines,
      next:
        applied === false || !tool || tool.annotations.readOnlyHint
          ? `check the network and WEAVZ_BASE_URL (--base-url), then call ${toolName} again.`
          : `check the network and WEAVZ_BASE_URL (--base-url); then ${checkFirst(tool, args)}`,
    });
  }
  if (err instanceof WeavzAbortError) {
    return render({
      head: "Error CANCELLED: the call was cancelled before it finished.",
      lines: [],
      next:
        !tool || tool.annotations.readOnlyHint
          ? `call ${toolName} again if the answer is still wanted.`
          : checkFirst(tool, args),
    });
  }
  log.error(
    `unexpected failure in ${toolName}: ${err instanceof Error ? err.message : String(err)}`,
  );
  return render({
    head: "Error INTERNAL_ERROR: weavz-mcp failed unexpectedly (details are in its log).",
    lines: [],
    next: "try again; if it persists, report it with the server's stderr log.",
  });
}

function apiNextStep(
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
      if (/^workspace\b(?! integration)/i.test(err.message))
        return "check the workspaceId: call list_workspaces to see the workspaces this key can reach.";
      break;
  }
  const step = tool?.hints?.[err.code] ?? NEXT_STEP[err.code];
  if (step) return step;
  if (err.status === 401) return NEXT_STEP.UNAUTHORIZED as string;
  if (err.status === 403) return NEXT_STEP.FORBIDDEN as string;
  if (err.status >= 500) {
    return tool && !tool.annotations.readOnlyHint
      ? `the Weavz API failed; ${checkFirst(tool, args)}`
      : `the Weavz API failed; call ${toolName} again in a moment.`;
  }
  return `read the message above, adjust the arguments, and call ${toolName} again.`;
}
