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
  const slimmed = slim(json) as JsonSchema;
  // Nested objects of results are described, not enforced: the hosted API may omit a field
  // the local one sends, and a client-side validation failure would hide a good result.
  if (io === "output")
    for (const prop of Object.values(slimmed.properties ?? {})) dropNestedRequired(prop);
  return slimmed;
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
 * numeric strings. Decode those where the schema wants an object, array or number; anything
 * else is left for the schema to reject with a clear message.
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
  const out: Record<string, unknown> = { ...(args as Record<string, unknown>) };
  for (const [key, value] of Object.entries(out)) {
    if (typeof value !== "string") continue;
    const prop = schema.properties?.[key];
    if (!prop || acceptsType(prop, "string")) continue;
    const trimmed = value.trim();
    if (
      (acceptsType(prop, "object") && trimmed.startsWith("{")) ||
      (acceptsType(prop, "array") && trimmed.startsWith("["))
    ) {
      try {
        out[key] = JSON.parse(trimmed);
      } catch {
        // Left as is: the schema reports the type error with the field name.
      }
    } else if (
      (acceptsType(prop, "integer") || acceptsType(prop, "number")) &&
      /^-?\d+(\.\d+)?$/.test(trimmed)
    ) {
      out[key] = Number(trimmed);
    } else if (acceptsType(prop, "boolean") && (trimmed === "true" || trimmed === "false")) {
      out[key] = trimmed === "true";
    } else if (acceptsType(prop, "null") && trimmed === "null") {
      out[key] = null;
    }
  }
  return out;
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
