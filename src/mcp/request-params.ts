import type { StandardSchemaV1 } from "@modelcontextprotocol/server";

/**
 * Params schemas for requests whose SDK schemas answer a malformed request with -32603 and a
 * raw validation dump: ours answer -32602 (the SDK maps a params schema's issue to Invalid
 * params) with one sentence that says what is expected. Standard Schemas written out: a
 * handful of field checks, cheaper than a zod parse on every keystroke's completion.
 */

/** Longest completion value taken, like search_catalog's query: longer ones are refused. */
const MAX_COMPLETION_VALUE = 200;
/** Longest value of a context argument of a completion. */
const MAX_CONTEXT_VALUE = 1000;
/** Longest resource URI taken by resources/subscribe and unsubscribe. */
const MAX_URI = 1000;

type Issues = { issues: [{ message: string }] };
const fail = (message: string): Issues => ({ issues: [{ message }] });
const isObject = (v: unknown): v is Record<string, unknown> =>
  !!v && typeof v === "object" && !Array.isArray(v);

function schema<T>(check: (v: unknown) => string | undefined): StandardSchemaV1<unknown, T> {
  return {
    "~standard": {
      version: 1,
      vendor: "weavz-mcp",
      validate(value) {
        const why = check(value);
        return why === undefined ? { value: value as T } : fail(why);
      },
    },
  };
}

export interface CompleteParams {
  ref: { type: "ref/prompt"; name: string } | { type: "ref/resource"; uri: string };
  argument: { name: string; value: string };
  context?: { arguments?: Record<string, string> };
  [key: string]: unknown;
}

const COMPLETE_SHAPE =
  'completion/complete takes {ref: {type: "ref/prompt", name} or {type: "ref/resource", uri}, argument: {name, value}, context?: {arguments}}';

export const CompleteParamsSchema = schema<CompleteParams>((v) => {
  if (!isObject(v) || !isObject(v.ref) || !isObject(v.argument)) return `${COMPLETE_SHAPE}.`;
  const { ref, argument } = v;
  if (
    ref.type === "ref/prompt"
      ? typeof ref.name !== "string"
      : ref.type === "ref/resource"
        ? typeof ref.uri !== "string"
        : true
  )
    return `${COMPLETE_SHAPE}; ref is not one of those.`;
  if (typeof argument.name !== "string" || typeof argument.value !== "string")
    return `${COMPLETE_SHAPE}; argument.name and argument.value must be strings.`;
  if (argument.value.length > MAX_COMPLETION_VALUE)
    return `argument.value is ${argument.value.length} characters; completion takes at most ${MAX_COMPLETION_VALUE}.`;
  if (v.context !== undefined) {
    const args = isObject(v.context) ? v.context.arguments : undefined;
    if (
      !isObject(v.context) ||
      (args !== undefined &&
        (!isObject(args) ||
          Object.values(args).some((a) => typeof a !== "string" || a.length > MAX_CONTEXT_VALUE)))
    )
      return `context.arguments must map argument names to strings of at most ${MAX_CONTEXT_VALUE} characters.`;
  }
  return undefined;
});

export interface UriParams {
  uri: string;
  [key: string]: unknown;
}

export const UriParamsSchema = schema<UriParams>((v) => {
  if (!isObject(v) || typeof v.uri !== "string")
    return "Send params {uri}, a resource URI such as weavz://workspaces/{workspaceId}/integrations.";
  if (v.uri.length > MAX_URI) return `uri is longer than ${MAX_URI} characters.`;
  return undefined;
});
