import type { CatalogAction } from "../../domain/index.js";

/** Any JSON value. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** A JSON Schema object as MCP tools publish it (draft 2020-12 subset). */
export type JsonSchema = { [key: string]: Json };

/** The object schema of a tool's arguments. */
export interface ObjectSchema {
  [key: string]: Json | undefined;
  type: "object";
  properties: Record<string, JsonSchema>;
  required?: string[];
}

type CatalogProp = CatalogAction["props"][string];

// The catalog knows names and types only; these hints stand in for descriptions where the
// type alone would mislead a model.
const TYPE_SCHEMAS: Record<CatalogProp["type"], () => JsonSchema> = {
  string: () => ({ type: "string" }),
  number: () => ({ type: "number" }),
  boolean: () => ({ type: "boolean" }),
  array: () => ({ type: "array" }),
  object: () => ({ type: "object" }),
  file: () => ({ type: "string", description: "A file: a URL or base64-encoded content." }),
  // Any JSON value: an empty schema, not a type union (some clients reject unions).
  unknown: () => ({ description: "Any JSON value." }),
};

/** The JSON Schema of one catalog input field: its type, and its allowed values when known. */
export function propSchema(prop: CatalogProp): JsonSchema {
  const schema = TYPE_SCHEMAS[prop.type]();
  if (prop.enum && prop.enum.length > 0) schema.enum = [...(prop.enum as Json[])];
  return schema;
}

/**
 * The input schema of an action's MCP tool, derived from the catalog's fields: each field's
 * type and enum, and the required ones. Unknown fields stay allowed because the catalog is
 * only as complete as the public material it came from; the execution checks the input.
 */
export function actionInputSchema(action: CatalogAction): ObjectSchema {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const [name, prop] of Object.entries(action.props)) {
    properties[name] = propSchema(prop);
    if (prop.required) required.push(name);
  }
  return { type: "object", properties, ...(required.length > 0 ? { required } : {}) };
}
