import { z } from "zod";
import { ID_PATTERN } from "../domain/common.js";
import { type FieldIssue, fieldIssuesFromZod } from "../domain/errors.js";

export type JsonSchema = {
  type: "object";
  properties?: Record<string, JsonSchemaNode>;
  [k: string]: unknown;
};
type JsonSchemaNode = { type?: string | string[]; anyOf?: JsonSchemaNode[]; [k: string]: unknown };

/**
 * zod 4's own converter (zod-to-json-schema returns an empty schema for zod 4). `$schema`
 * is dropped: some clients' validators reject the 2020-12 meta-schema URI, and it costs bytes
 * in every tools/list.
 */
export function toJsonSchema(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const json = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as Record<string, unknown>;
  delete json.$schema;
  const slimmed = nullAsType(slim(json)) as JsonSchema;
  // Nested objects of results are described, not enforced: the hosted API may omit a field
  // the local one sends, and a client-side validation failure would hide a good result.
  if (io === "output") {
    for (const prop of Object.values(slimmed.properties ?? {})) dropNestedRequired(prop);
    slimOutput(slimmed, true);
    for (const [k, prop] of Object.entries(slimmed.properties ?? {}))
      (slimmed.properties as Record<string, JsonSchemaNode>)[k] = outline(prop);
  } else openObjects(slimmed);
  return slimmed;
}

/** contentMediaType of an argument taken as JSON text (kept for clients that still send text). */
export const JSON_TEXT = "application/json";

/**
 * An argument object with no field list (an action's `input`, `settings.localBrowser`, the
 * alias-keyed `integrations` of a plan) is published as an object that admits any field,
 * `additionalProperties` spelt out (`true`, or the values' schema):
 * - LangChain's MCP adapters validate arguments against the published schema, so JSON text
 *   published as `string` made them refuse the natural object (issue 23);
 * - the AI SDK's Gemini conversion drops an object parameter that has neither properties nor
 *   `additionalProperties`, so the model could not pass it at all; with it, the parameter is
 *   kept as an object (the Gemini API takes JSON Schema objects since November 2025);
 * - OpenAI (non-strict function calling) and Anthropic take JSON Schema as it is.
 * JSON text is still decoded (coerceArguments), for clients that send it.
 */
function openObjects(node: unknown): void {
  if (!node || typeof node !== "object" || Array.isArray(node)) return;
  const obj = node as Record<string, unknown>;
  for (const key of ["properties", "additionalProperties", "items"] as const) {
    const value = obj[key];
    if (!value || typeof value !== "object") continue;
    const children = key === "properties" ? Object.values(value) : [value];
    for (const child of children) {
      const c = child as JsonSchemaNode;
      if (c && acceptsType(c, "object") && !c.properties) {
        delete c.propertyNames;
        if (!c.additionalProperties || typeof c.additionalProperties !== "object")
          c.additionalProperties = true;
      }
      openObjects(c);
    }
  }
}

/**
 * A result's top-level fields keep their types and enums; a nested record (or list of
 * records) is published as a bare object. Models read the data itself in the result, not
 * the output schema; the record's fields are those of the input schemas and of
 * list_workspace_integrations' description, and restating them cost about 3 KB of every
 * tools/list (the default list is held to 16 KB).
 */
function outline(node: JsonSchemaNode): JsonSchemaNode {
  if (acceptsType(node, "object") && node.properties) return { type: node.type };
  const items = node.items as JsonSchemaNode | undefined;
  if (items && acceptsType(items, "object") && items.properties)
    return { ...node, items: { type: items.type } };
  return node;
}

/** Bookkeeping fields of records: they pass through results, undescribed (tools/list bytes). */
const UNDESCRIBED_OUTPUT_FIELDS = ["orgId", "createdAt", "updatedAt"];

/**
 * Output schemas describe results, they do not enforce them, and every byte of them is in
 * every tools/list: descriptions, `additionalProperties: false` and the records'
 * bookkeeping fields (ids of the org, timestamps) are left out; the data still carries them.
 */
function slimOutput(node: unknown, top: boolean): void {
  if (Array.isArray(node)) {
    for (const n of node) slimOutput(n, false);
    return;
  }
  if (!node || typeof node !== "object") return;
  const obj = node as Record<string, unknown>;
  delete obj.description;
  if (obj.additionalProperties === false) delete obj.additionalProperties;
  const props = obj.properties as Record<string, unknown> | undefined;
  if (props && !top) for (const f of UNDESCRIBED_OUTPUT_FIELDS) delete props[f];
  for (const [k, v] of Object.entries(obj)) {
    if (k === "properties" && v && typeof v === "object")
      for (const p of Object.values(v)) slimOutput(p, false);
    else if (k !== "enum" && k !== "required") slimOutput(v, false);
  }
}

function dropNestedRequired(node: unknown): void {
  if (Array.isArray(node)) {
    for (const n of node) dropNestedRequired(n);
    return;
  }
  if (!node || typeof node !== "object") return;
  const obj = node as Record<string, unknown>;
  delete obj.required;
  for (const v of Object.values(obj)) dropNestedRequired(v);
}

/**
 * Drops what says nothing to a model but costs bytes in every tools/list: string length
 * bounds (zod still enforces them and names the field when one is broken), the id pattern,
 * `propertyNames: {type: string}` and empty `additionalProperties`.
 */
function slim(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(slim);
  if (!node || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
    if (k === "minLength" || k === "maxLength") continue;
    // zod's int() adds the safe-integer range, which says nothing.
    if ((k === "minimum" || k === "maximum") && Math.abs(v as number) === Number.MAX_SAFE_INTEGER)
      continue;
    if (k === "pattern" && v === ID_PATTERN.source) continue;
    if (k === "propertyNames" && isStringType(v)) continue;
    if (k === "additionalProperties" && v && typeof v === "object" && Object.keys(v).length === 0)
      continue;
    out[k] = slim(v);
  }
  return out;
}
/**
 * `anyOf: [X, {type: "null"}]` (zod's nullable) becomes X with `type: [X.type, "null"]`.
 * LangChain's MCP adapters keep only the object branch of an anyOf and so reject the
 * documented `settings: null` reset before it is sent; the AI SDK accepts both forms.
 * The type-array form is plain JSON Schema that both pass through, and it is shorter.
 */
function nullAsType(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(nullAsType);
  if (!node || typeof node !== "object") return node;
  const obj = node as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) out[k] = nullAsType(v);
  const branches = out.anyOf;
  if (!Array.isArray(branches) || branches.length !== 2) return out;
  const nullIndex = branches.findIndex(
    (b) => b && typeof b === "object" && Object.keys(b).length === 1 && b.type === "null",
  );
  const other = branches[1 - nullIndex] as Record<string, unknown> | undefined;
  if (nullIndex < 0 || !other || typeof other.type !== "string") return out;
  const { anyOf: _dropped, ...rest } = out;
  const merged: Record<string, unknown> = { ...other, ...rest, type: [other.type, "null"] };
  if (Array.isArray(other.enum)) merged.enum = [...other.enum, null];
  return merged;
}

const isStringType = (v: unknown) =>
  !!v &&
  typeof v === "object" &&
  Object.keys(v).length === 1 &&
  (v as { type?: unknown }).type === "string";

function acceptsType(node: JsonSchemaNode | undefined, type: string): boolean {
  if (!node) return false;
  if (node.type === type || (Array.isArray(node.type) && node.type.includes(type))) return true;
  return Array.isArray(node.anyOf) && node.anyOf.some((n) => acceptsType(n, type));
}

/**
 * Some clients send object or array arguments as JSON strings (`"[\"a\"]"`) and numbers as
 * numeric strings. Decode those where the schema wants an object, array or number (at any
 * depth, and JSON-text fields such as `settings.localBrowser`); anything else is left for the
 * schema to reject with a clear message.
 */
export function coerceArguments(raw: unknown, schema: JsonSchema): unknown {
  let args = raw;
  if (typeof args === "string") {
    try {
      args = JSON.parse(args);
    } catch {
      return raw;
    }
  }
  if (args === undefined || args === null) return {};
  if (typeof args !== "object" || Array.isArray(args)) return args;
  return coerceObject(args as Record<string, unknown>, schema);
}

function coerceObject(
  obj: Record<string, unknown>,
  schema: JsonSchemaNode,
): Record<string, unknown> {
  const props = schema.properties as Record<string, JsonSchemaNode> | undefined;
  if (!props) return obj;
  let out: Record<string, unknown> | undefined;
  for (const key in obj) {
    const prop = props[key];
    if (!prop) continue;
    const value = obj[key];
    const coerced = coerceValue(value, prop);
    if (coerced !== value) {
      out ??= { ...obj };
      out[key] = coerced;
    }
  }
  return out ?? obj;
}

function coerceValue(value: unknown, prop: JsonSchemaNode): unknown {
  if (value && typeof value === "object" && !Array.isArray(value)) {
    return prop.properties ? coerceObject(value as Record<string, unknown>, prop) : value;
  }
  if (typeof value !== "string") return value;
  const trimmed = value.trim();
  if (prop.contentMediaType === JSON_TEXT && trimmed.startsWith("{"))
    return parseOr(trimmed, value);
  if (acceptsType(prop, "string")) return value;
  if (
    (acceptsType(prop, "object") && trimmed.startsWith("{")) ||
    (acceptsType(prop, "array") && trimmed.startsWith("["))
  ) {
    const parsed = parseOr(trimmed, value);
    return parsed !== value && prop.properties && parsed && typeof parsed === "object"
      ? coerceObject(parsed as Record<string, unknown>, prop)
      : parsed;
  }
  if (
    (acceptsType(prop, "integer") || acceptsType(prop, "number")) &&
    /^-?\d+(\.\d+)?$/.test(trimmed)
  )
    return Number(trimmed);
  if (acceptsType(prop, "boolean") && (trimmed === "true" || trimmed === "false"))
    return trimmed === "true";
  if (acceptsType(prop, "null") && trimmed === "null") return null;
  return value;
}

/** JSON.parse, or the fallback when the text is not JSON (the schema then names the field). */
function parseOr(text: string, fallback: unknown): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return fallback;
  }
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; issues: FieldIssue[] };

/** Validates tool arguments with the tool's zod schema, turning failures into field issues. */
export function parseArguments<T extends z.ZodType>(
  schema: T,
  json: JsonSchema,
  raw: unknown,
): ParseResult<z.infer<T>> {
  const args = coerceArguments(raw, json);
  if (typeof args !== "object" || args === null || Array.isArray(args)) {
    return {
      ok: false,
      issues: [{ field: "(arguments)", message: "must be a JSON object of named arguments" }],
    };
  }
  const result = schema.safeParse(args);
  if (result.success) return { ok: true, value: result.data };
  const allowedArgs = Object.keys(json.properties ?? {});
  return {
    ok: false,
    issues: fieldIssuesFromZod(result.error).map((issue) =>
      issue.message.startsWith("unknown field")
        ? {
            ...issue,
            message: issue.message.replace("unknown field(s)", "unknown argument(s)"),
            allowed: allowedArgs,
          }
        : issue,
    ),
  };
}
