import { z } from "zod";
import { AliasSchema, IdSchema, TimestampSchema } from "./common.js";

export const CONNECTION_STRATEGIES = ["fixed", "per_user", "per_user_with_fallback"] as const;
export const ConnectionStrategySchema = z.enum(CONNECTION_STRATEGIES);
export type ConnectionStrategy = z.infer<typeof ConnectionStrategySchema>;

/** Strategies that pin a connection and therefore need `connectionId` (when the integration needs one). */
export const STRATEGIES_NEEDING_CONNECTION: readonly ConnectionStrategy[] = [
  "fixed",
  "per_user_with_fallback",
];

export const ADVANCED_CODE_TIMEOUT = { min: 1, max: 60, default: 30 } as const;

/** `settings.advancedCode` for the advanced-code built-in: the execution policy. */
export const AdvancedCodeSettingsSchema = z
  .strictObject({
    timeoutSeconds: z
      .number()
      .int()
      .min(ADVANCED_CODE_TIMEOUT.min)
      .max(ADVANCED_CODE_TIMEOUT.max)
      .default(ADVANCED_CODE_TIMEOUT.default),
    sandboxPersistence: z.enum(["ephemeral", "persistent"]).default("ephemeral"),
    storageMountScope: z.enum(["none", "end_user", "workspace", "external"]).default("none"),
    storageExternalId: z.string().min(1).max(200).optional(),
  })
  .superRefine((v, ctx) => {
    if (v.storageMountScope === "external" && !v.storageExternalId) {
      ctx.addIssue({
        code: "custom",
        path: ["storageExternalId"],
        message: "is required when storageMountScope is external",
      });
    }
    if (v.storageMountScope !== "external" && v.storageExternalId !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["storageExternalId"],
        message: "is only allowed when storageMountScope is external",
      });
    }
  });

/** `settings.persistence` for the stateful built-ins: where tool state is stored. */
export const PersistenceSettingsSchema = z
  .strictObject({
    scope: z.enum(["end_user", "workspace", "external"]).default("end_user"),
    externalId: z.string().min(1).max(200).optional(),
  })
  .superRefine((v, ctx) => {
    if (v.scope === "external" && !v.externalId) {
      ctx.addIssue({
        code: "custom",
        path: ["externalId"],
        message: "is required when scope is external",
      });
    }
    if (v.scope !== "external" && v.externalId !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["externalId"],
        message: "is only allowed when scope is external",
      });
    }
  });

/**
 * Owner-controlled settings. Which blocks an integration accepts comes from the catalog's
 * `settingsBlocks`; `localBrowser` has no public field list, so it is kept as an opaque object.
 */
export const SettingsSchema = z
  .strictObject({
    advancedCode: AdvancedCodeSettingsSchema.optional().describe(
      "advanced-code only. storageExternalId required iff storageMountScope is external.",
    ),
    persistence: PersistenceSettingsSchema.optional().describe(
      "Stateful built-ins (kv-store, storage, …). externalId required iff scope is external.",
    ),
    localBrowser: z
      .record(z.string(), z.unknown())
      .optional()
      .describe("agent-local-browser-control only."),
  })
  .describe("Owner-controlled settings; which blocks apply: get_catalog_integration.");
export type Settings = z.infer<typeof SettingsSchema>;
export type SettingsInput = z.input<typeof SettingsSchema>;

// Integer ordering hint; bounds live in the check message, not in every published schema.
const SortOrderSchema = z
  .number()
  .int()
  .refine((n) => Math.abs(n) <= 1_000_000, "must be between -1000000 and 1000000");

const EnabledActionsSchema = z
  .array(z.string().min(1).max(200))
  .min(1, "must list at least one action; use null for all actions")
  .max(500);

export const CreateWorkspaceIntegrationSchema = z.strictObject({
  integrationName: z
    .string()
    .min(1)
    .max(100)
    .describe("Catalog integration name, e.g. slack, github, kv-store."),
  alias: AliasSchema.optional().describe("Defaults to integrationName."),
  connectionStrategy: ConnectionStrategySchema.default("fixed").describe(
    "fixed: one pinned connection; per_user: each user's own; per_user_with_fallback: own, else pinned.",
  ),
  connectionId: IdSchema.optional().describe(
    "Connection to pin (list_connections). Needed for fixed and per_user_with_fallback unless the integration needs none.",
  ),
  displayName: z.string().min(1).max(200).optional(),
  enabledActions: EnabledActionsSchema.nullable()
    .optional()
    .describe("Catalog action names to allow; null or omitted = all."),
  settings: SettingsSchema.optional(),
  sortOrder: SortOrderSchema.optional(),
});
export type CreateWorkspaceIntegration = z.infer<typeof CreateWorkspaceIntegrationSchema>;
export type CreateWorkspaceIntegrationInput = z.input<typeof CreateWorkspaceIntegrationSchema>;

export const UpdateWorkspaceIntegrationSchema = z.strictObject({
  alias: AliasSchema.optional().describe("New alias, unique in the workspace."),
  connectionStrategy: ConnectionStrategySchema.optional(),
  connectionId: IdSchema.optional(),
  displayName: z.string().min(1).max(200).nullable().optional().describe("null clears."),
  enabledActions: EnabledActionsSchema.nullable().optional().describe("null = all actions."),
  settings: SettingsSchema.nullable()
    .optional()
    .describe("Replaces the stored settings; null resets."),
  sortOrder: SortOrderSchema.optional(),
});
export type UpdateWorkspaceIntegration = z.infer<typeof UpdateWorkspaceIntegrationSchema>;
export type UpdateWorkspaceIntegrationInput = z.input<typeof UpdateWorkspaceIntegrationSchema>;

export const WorkspaceIntegrationSchema = z.looseObject({
  id: z.string(),
  workspaceId: z.string(),
  orgId: z.string(),
  integrationName: z.string(),
  alias: z.string(),
  displayName: z.string().nullable(),
  connectionStrategy: ConnectionStrategySchema,
  connectionId: z.string().nullable(),
  enabledActions: z.array(z.string()).nullable(),
  // The spec's PATCH example omits settings, so the response shape tolerates its absence.
  settings: z.record(z.string(), z.unknown()).optional(),
  sortOrder: z.number(),
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema,
});
export type WorkspaceIntegration = z.infer<typeof WorkspaceIntegrationSchema>;

export const WorkspaceIntegrationListItemSchema = WorkspaceIntegrationSchema.extend({
  connectionStatus: z.enum(["ACTIVE", "ERROR"]).nullable().optional(),
  connectionDisplayName: z.string().nullable().optional(),
  connectionExternalId: z.string().nullable().optional(),
});
export type WorkspaceIntegrationListItem = z.infer<typeof WorkspaceIntegrationListItemSchema>;

export const WorkspaceIntegrationListSchema = z.looseObject({
  integrations: z.array(WorkspaceIntegrationListItemSchema),
  total: z.number(),
});
export type WorkspaceIntegrationList = z.infer<typeof WorkspaceIntegrationListSchema>;

export const DeleteResultSchema = z.object({ deleted: z.literal(true), id: z.string() });
export type DeleteResult = z.infer<typeof DeleteResultSchema>;
