/** Deepest nesting of objects and arrays any JSON value here may have. */
export const MAX_JSON_DEPTH = 100;

/**
 * The nesting depth of JSON text (arrays and objects), counted without parsing it, so that a
 * hostile document is measured before anything recurses into it (JSON.stringify, schema
 * checks and masking all recurse, and a deep enough value exhausts the stack).
 */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > max) max = depth;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}
