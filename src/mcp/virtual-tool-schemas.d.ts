/** The tools' JSON Schemas converted at build time (see scripts/tool-schemas.mjs). */
declare module "weavz:tool-schemas" {
  import type { JsonSchema } from "./schema.js";
  /** By tool name; undefined when running from src/ (tests), where they are converted at start. */
  export const TOOL_SCHEMAS:
    | Readonly<Record<string, { input: JsonSchema; output: JsonSchema }>>
    | undefined;
}
