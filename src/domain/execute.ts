import { z } from "zod";
import { AliasSchema, IdSchema } from "./common.js";

/** An opaque caller-chosen string: end user ids, external ids, idempotency keys. */
const CallerStringSchema = z.string().min(1, "must not be empty").max(200);

/** `POST /api/v1/actions/execute`: run one action of a workspace integration. */
export const ExecuteRequestSchema = z.strictObject({
  integrationName: z.string().min(1).max(100).describe("Catalog integration name, e.g. kv-store."),
  actionName: z.string().min(1).max(200).describe("Catalog action name, e.g. put."),
  workspaceId: IdSchema,
  input: z
    .record(z.string(), z.unknown())
    .default({})
    .describe("The action's input fields (get_catalog_integration lists them)."),
  workspaceIntegrationId: IdSchema.optional().describe(
    "Which workspace integration, when the integration is configured more than once.",
  ),
  integrationAlias: AliasSchema.optional().describe("The same, by alias."),
  connectionExternalId: CallerStringSchema.optional().describe(
    "Use this connection (by externalId) instead of the strategy's choice.",
  ),
  endUserId: CallerStringSchema.optional().describe(
    "Your own user id (the end user's externalId): selects per_user connections and end_user storage.",
  ),
  idempotencyKey: CallerStringSchema.optional().describe(
    "A repeat with the same key returns the first result instead of running again.",
  ),
});
/** What a caller sends (input optional). */
export type ExecuteRequest = z.input<typeof ExecuteRequestSchema>;
/** After parsing (input defaulted to {}). */
export type ParsedExecuteRequest = z.infer<typeof ExecuteRequestSchema>;

/** The answer of a successful execution; failures are error envelopes. */
export const ExecuteResultSchema = z.object({
  success: z.literal(true),
  output: z.unknown(),
  /** Milliseconds the action took. */
  duration: z.number(),
});
export type ExecuteResult = z.infer<typeof ExecuteResultSchema>;
