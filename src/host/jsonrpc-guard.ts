/**
 * First look at an inbound JSON-RPC message, before the SDK sees it. The SDK drops frames
 * that match no message shape without a word and answers bad params of some methods with a
 * multi-line schema dump; a client then waits forever or shows the model noise. Here every
 * malformed request gets exactly one reply: -32600 (not a valid request) or -32602 (bad
 * params), with one sentence saying what was wrong and what is allowed.
 *
 * It also accepts tools/call `arguments` sent as a JSON string (some clients do): the string is
 * decoded here, before the SDK's tools/call wrapper validates the request against the wire
 * schema, so that wrapper runs as designed. A value that does not decode into an object is
 * moved to `params._meta[UNDECODED_ARGUMENTS_META_KEY]` (and `arguments` left out), so the
 * server can answer it as a tool error with its own advice rather than the wrapper's -32602.
 */

import {
  INVALID_PARAMS,
  INVALID_REQUEST,
  METHOD_NOT_FOUND,
  PROTOCOL_VERSION_META_KEY,
} from "@modelcontextprotocol/server";

type Id = string | number | null;

/** Where a tools/call `arguments` value that is not an object goes (see the file comment). */
export const UNDECODED_ARGUMENTS_META_KEY = "jsonrpc-guard/undecodedArguments";

/** A JSON-RPC error reply. */
export interface ErrorReply {
  jsonrpc: "2.0";
  id: Id;
  error: { code: number; message: string };
}

/**
 * What to do with an inbound value: pass it on, answer it, or drop it (a bad notification,
 * which gets no reply on stdio; HTTP answers every POST, so `reply` says why there).
 */
export type Verdict =
  | { kind: "pass"; message: Record<string, unknown> }
  | { kind: "reply"; reply: ErrorReply }
  | { kind: "drop"; reply: ErrorReply };

/** An error reply for the given id. */
export function errorReply(id: Id, code: number, message: string): ErrorReply {
  return { jsonrpc: "2.0", id, error: { code, message } };
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const validId = (id: unknown): id is string | number =>
  typeof id === "string" || (typeof id === "number" && Number.isSafeInteger(id));

/** Per-method checks of params the SDK would otherwise answer with a schema dump. */
const PARAM_RULES: Record<string, (p: Record<string, unknown>) => string | undefined> = {
  "tools/call": (p) =>
    typeof p.name === "string"
      ? undefined
      : "tools/call needs params.name, the tool's name as a string (see tools/list)",
  "resources/read": (p) =>
    typeof p.uri === "string"
      ? undefined
      : "resources/read needs params.uri, a resource URI as a string (see resources/list)",
  initialize: (p) => {
    if (typeof p.protocolVersion !== "string")
      return "initialize needs params.protocolVersion as a string, e.g. 2025-11-25";
    if (!isObject(p.capabilities))
      return "initialize needs params.capabilities as an object ({} for none)";
    const info = p.clientInfo;
    if (!isObject(info) || typeof info.name !== "string" || typeof info.version !== "string")
      return "initialize needs params.clientInfo as an object with a string name and version";
    return undefined;
  },
};

/**
 * Checks one parsed JSON value as a JSON-RPC 2.0 message. Responses and well-formed requests
 * and notifications pass; a malformed request is answered; a malformed notification, which
 * cannot be answered, is dropped.
 */
export function checkMessage(value: unknown): Verdict {
  if (!isObject(value)) {
    return {
      kind: "reply",
      reply: errorReply(
        null,
        INVALID_REQUEST,
        "Invalid request: a JSON-RPC message must be one JSON object (batches are not supported)",
      ),
    };
  }
  const hasId = "id" in value;
  if (hasId && !validId(value.id)) {
    return {
      kind: "reply",
      reply: errorReply(
        null,
        INVALID_REQUEST,
        "Invalid request: id must be a string or an integer between -(2^53-1) and 2^53-1",
      ),
    };
  }
  const id: Id = hasId ? (value.id as string | number) : null;
  const answer = (code: number, message: string): Verdict => ({
    kind: hasId ? "reply" : "drop",
    reply: errorReply(id, code, message),
  });
  if (value.jsonrpc !== "2.0") {
    return answer(INVALID_REQUEST, 'Invalid request: "jsonrpc" must be "2.0"');
  }
  if (!("method" in value)) {
    // A response to one of our requests: the SDK matches it up (or ignores it).
    return hasId && ("result" in value || "error" in value)
      ? { kind: "pass", message: value }
      : answer(INVALID_REQUEST, "Invalid request: a request needs a method name as a string");
  }
  if (typeof value.method !== "string" || value.method.length === 0) {
    return answer(INVALID_REQUEST, "Invalid request: method must be a non-empty string");
  }
  if (value.method in Object.prototype) {
    // "__proto__", "constructor", …: names of every object's own properties, which a plain
    // handler-table lookup would find; the SDK left such a notification unanswered on HTTP.
    return answer(METHOD_NOT_FOUND, `Method not found: ${value.method.slice(0, 100)}`);
  }
  if ("params" in value && value.params !== undefined && !isObject(value.params)) {
    return answer(
      INVALID_PARAMS,
      `Invalid params for ${value.method}: params must be a JSON object (or left out)`,
    );
  }
  const meta = (value.params as Record<string, unknown> | undefined)?._meta;
  if (meta !== undefined && !isObject(meta)) {
    return answer(
      INVALID_PARAMS,
      `Invalid params for ${value.method}: params._meta must be a JSON object`,
    );
  }
  // A 2026-era request (the `_meta` envelope) has no initialize: the SDK answers it 404/-32601.
  const modern = isObject(meta) && PROTOCOL_VERSION_META_KEY in meta;
  const rule = modern && value.method === "initialize" ? undefined : PARAM_RULES[value.method];
  const problem = rule?.((value.params as Record<string, unknown> | undefined) ?? {});
  if (problem) return answer(INVALID_PARAMS, `Invalid params: ${problem}`);
  if (value.method === "tools/call") return { kind: "pass", message: withObjectArguments(value) };
  return { kind: "pass", message: value };
}

/**
 * A tools/call whose `arguments` is an object or absent, as the wire schema wants: a JSON
 * string of an object is decoded; null is left out; anything else moves to `_meta`.
 */
function withObjectArguments(message: Record<string, unknown>): Record<string, unknown> {
  const params = message.params as Record<string, unknown>;
  const args = params.arguments;
  if (args === undefined || isObject(args)) return message;
  const { arguments: _, ...rest } = params;
  if (args === null) return { ...message, params: rest };
  if (typeof args === "string") {
    try {
      const decoded: unknown = JSON.parse(args);
      if (isObject(decoded)) return { ...message, params: { ...rest, arguments: decoded } };
    } catch {
      // Not JSON: the tool says so.
    }
  }
  const meta = {
    ...(rest._meta as Record<string, unknown> | undefined),
    [UNDECODED_ARGUMENTS_META_KEY]: args,
  };
  return { ...message, params: { ...rest, _meta: meta } };
}

/** Best effort: the id of a request too large to parse, read from its first bytes. */
export function sniffId(head: string): Id {
  const m = /"id"\s*:\s*("(?:[^"\\]|\\.){0,200}"|-?\d{1,16})/.exec(head);
  if (!m) return null;
  try {
    const id: unknown = JSON.parse(m[1] as string);
    return validId(id) ? id : null;
  } catch {
    return null;
  }
}
