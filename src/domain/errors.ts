import { z } from "zod";

/** Machine codes the Weavz API uses in its error envelope. */
export const ERROR_CODES = [
  "VALIDATION_ERROR",
  "INVALID_JSON",
  "PAYLOAD_TOO_LARGE",
  "DUPLICATE",
  "NO_UPDATES",
  "NOT_FOUND",
  "UNAUTHORIZED",
  "FORBIDDEN",
  "SCOPE_DENIED",
  "RATE_LIMITED",
  "MCP_BEARER_BLOCKS_PER_USER",
  "CONNECTION_NOT_FOUND",
  "CONNECTION_REQUIRED",
  "INTEGRATION_NOT_FOUND",
  "ACTION_NOT_FOUND",
  "ACTION_NOT_ALLOWED",
  "ACTION_FAILED",
  "AMBIGUOUS_INTEGRATION",
  "INTEGRATION_UNAVAILABLE",
  "ALIAS_CONFLICT",
  "CONNECTION_IN_USE",
  "METHOD_NOT_ALLOWED",
  "INTERNAL_ERROR",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** One problem with one field: where it is, what is wrong, what is allowed. */
export const FieldIssueSchema = z.object({
  field: z.string(),
  message: z.string(),
  allowed: z.unknown().optional(),
});
export type FieldIssue = z.infer<typeof FieldIssueSchema>;

/** The `{error, code, details?}` envelope of every failed response. */
export const ErrorBodySchema = z.object({
  error: z.string(),
  code: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

/** Turns zod issues into field issues with dotted paths (`settings.advancedCode.timeoutSeconds`). */
export function fieldIssuesFromZod(error: z.ZodError, prefix = ""): FieldIssue[] {
  return error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter(Boolean).join(".");
    if (issue.code === "unrecognized_keys") {
      const keys = issue.keys.map((k) => (path ? `${path}.${k}` : k));
      return { field: keys.join(", "), message: `unknown field(s): ${keys.join(", ")}` };
    }
    const out: FieldIssue = { field: path || "(body)", message: issue.message };
    if (issue.code === "invalid_value") out.allowed = issue.values;
    return out;
  });
}
