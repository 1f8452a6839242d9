import { z } from "zod";
import { IdSchema, TimestampSchema } from "./common.js";

export const WorkspaceSchema = z.looseObject({
  id: z.string(),
  orgId: z.string(),
  name: z.string(),
  slug: z.string(),
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema,
});
export type Workspace = z.infer<typeof WorkspaceSchema>;

export const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const CreateWorkspaceSchema = z.strictObject({
  name: z.string().min(1).max(200).describe("Workspace name."),
  slug: z
    .string()
    .regex(
      SLUG_PATTERN,
      "must be 1-63 lowercase letters, digits or -, starting with a letter or digit",
    )
    .describe("Unique URL-safe slug."),
});
export type CreateWorkspace = z.infer<typeof CreateWorkspaceSchema>;

export const CONNECTION_TYPES = [
  "SECRET_TEXT",
  "BASIC_AUTH",
  "CUSTOM_AUTH",
  "OAUTH2",
  "PLATFORM_OAUTH2",
] as const;
export const CONNECTION_SCOPES = ["ORGANIZATION", "WORKSPACE", "USER"] as const;

export const ConnectionSchema = z.looseObject({
  id: z.string(),
  externalId: z.string(),
  displayName: z.string(),
  integrationName: z.string(),
  type: z.enum(CONNECTION_TYPES),
  status: z.enum(["ACTIVE", "ERROR"]),
  scope: z.enum(CONNECTION_SCOPES),
  workspaceId: z.string().nullable().optional(),
  endUserId: z.string().nullable().optional(),
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema,
});
export type Connection = z.infer<typeof ConnectionSchema>;

export const CreateConnectionSchema = z.strictObject({
  type: z.enum(CONNECTION_TYPES),
  externalId: z.string().min(1).max(200),
  displayName: z.string().min(1).max(200),
  integrationName: z.string().min(1).max(100),
  workspaceId: IdSchema.optional(),
  endUserId: z.string().min(1).max(200).optional(),
  scope: z.enum(CONNECTION_SCOPES).default("ORGANIZATION"),
  // Secret fields: accepted, sealed at rest (AES-256-GCM, key outside the database), never returned.
  secretText: z.string().min(1).optional(),
  username: z.string().optional(),
  password: z.string().optional(),
  props: z.record(z.string(), z.unknown()).optional(),
  accessToken: z.string().optional(),
  refreshToken: z.string().optional(),
});
export type CreateConnection = z.infer<typeof CreateConnectionSchema>;

export const EndUserSchema = z.looseObject({
  id: z.string(),
  workspaceId: z.string(),
  externalId: z.string(),
  displayName: z.string().nullable(),
  email: z.string().nullable(),
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema,
});
export type EndUser = z.infer<typeof EndUserSchema>;

export const CreateEndUserSchema = z.strictObject({
  workspaceId: IdSchema,
  externalId: z.string().min(1).max(200),
  displayName: z.string().min(1).max(200).optional(),
  email: z.email().optional(),
});
export type CreateEndUser = z.infer<typeof CreateEndUserSchema>;

export const PROP_TYPES = [
  "string",
  "number",
  "boolean",
  "array",
  "object",
  "file",
  "unknown",
] as const;

export const CatalogPropSchema = z.object({
  type: z.enum(PROP_TYPES),
  required: z.boolean(),
  enum: z.array(z.unknown()).optional(),
});
export const CatalogActionSchema = z.object({
  name: z.string(),
  displayName: z.string(),
  props: z.record(z.string(), CatalogPropSchema),
});
export type CatalogAction = z.infer<typeof CatalogActionSchema>;

export const CatalogIntegrationSchema = z.looseObject({
  name: z.string(),
  displayName: z.string(),
  builtIn: z.boolean().optional(),
  requiresConnection: z.boolean().optional(),
  settingsBlocks: z.array(z.string()).optional(),
  actions: z.array(CatalogActionSchema),
});
export type CatalogIntegration = z.infer<typeof CatalogIntegrationSchema>;

/** A catalog entry without its actions' fields, as `summary=true` lists it. */
export const CatalogSummarySchema = z.looseObject({
  name: z.string(),
  displayName: z.string(),
  builtIn: z.boolean().optional(),
  requiresConnection: z.boolean().optional(),
  settingsBlocks: z.array(z.string()).optional(),
  actionCount: z.number().optional(),
  actions: z.array(z.string()).optional(),
});
export type CatalogSummary = z.infer<typeof CatalogSummarySchema>;

/** Whether an integration can be used without a connection (built-ins, except ai-toolkit). */
export function needsConnection(
  integration: Pick<CatalogIntegration, "builtIn" | "requiresConnection">,
): boolean {
  if (integration.requiresConnection !== undefined) return integration.requiresConnection;
  return !integration.builtIn;
}
