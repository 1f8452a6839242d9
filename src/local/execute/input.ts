import type { CatalogAction, FieldIssue } from "../../domain/index.js";
import { validationError } from "../errors.js";

function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

/**
 * Checks an action's input against the catalog's field list: required fields present,
 * types and enums respected, no unknown fields. Every problem is one issue naming its field
 * (`input.key`), so a caller can fix them all at once.
 */
export function checkActionInput(action: CatalogAction, input: Record<string, unknown>): void {
  const issues: FieldIssue[] = [];
  const props = action.props;
  const known = Object.keys(props);
  for (const field of Object.keys(input)) {
    if (!Object.hasOwn(props, field)) {
      issues.push({
        field: `input.${field}`,
        message: `is not a field of ${action.name}`,
        allowed: known,
      });
    }
  }
  for (const [field, prop] of Object.entries(props)) {
    const v = input[field];
    if (v === undefined || v === null) {
      if (prop.required)
        issues.push({ field: `input.${field}`, message: `is required (${prop.type})` });
      continue;
    }
    const t = typeOf(v);
    let okType = true;
    switch (prop.type) {
      case "string":
        okType = t === "string";
        break;
      case "number":
        okType = t === "number" && Number.isFinite(v);
        break;
      case "boolean":
        okType = t === "boolean";
        break;
      case "array":
        okType = t === "array";
        break;
      case "object":
        okType = t === "object";
        break;
      case "file":
        // A file is a URL, base64 text or a {filename, data} object.
        okType = t === "string" || t === "object";
        break;
      default:
        okType = true;
    }
    if (!okType) {
      issues.push({
        field: `input.${field}`,
        message: `must be ${prop.type === "array" || prop.type === "object" ? "an" : "a"} ${prop.type} (got ${t})`,
      });
      continue;
    }
    if (prop.enum && prop.enum.length > 0 && !prop.enum.includes(v)) {
      issues.push({
        field: `input.${field}`,
        message: `must be one of ${prop.enum.map((e) => JSON.stringify(e)).join(", ")}`,
        allowed: prop.enum,
      });
    }
  }
  if (issues.length > 0) throw validationError(issues);
}
