import { z } from "zod";
import { AliasSchema, IdSchema } from "../common.js";
import {
  type CreateWorkspaceIntegration,
  CreateWorkspaceIntegrationSchema,
  type UpdateWorkspaceIntegration,
} from "../integration.js";
import type { BearerServerRef, IntegrationConfig } from "../integration-rules.js";

/** One integration of a desired state: the create fields, keyed by alias elsewhere. */
export const DesiredIntegrationSchema = CreateWorkspaceIntegrationSchema.omit({ alias: true })
  .extend({
    renamedFrom: AliasSchema.optional().describe(
      "Current alias of an integration to rename to this key (keeps its id). Swaps allowed.",
    ),
  })
  .describe("Create fields of one integration; omitted fields take the create defaults.");
export type DesiredIntegration = z.infer<typeof DesiredIntegrationSchema>;

/** The whole desired state of one workspace: what `export` writes and `plan` reads. */
export const DesiredStateSchema = z.strictObject({
  workspaceId: IdSchema.describe("Workspace to set up."),
  prune: z
    .boolean()
    .default(false)
    .describe("Delete integrations not listed here (otherwise they are reported as unmanaged)."),
  integrations: z
    .record(AliasSchema, DesiredIntegrationSchema)
    .describe("Every integration wanted, keyed by alias."),
});
export type DesiredState = z.infer<typeof DesiredStateSchema>;
export type DesiredStateInput = z.input<typeof DesiredStateSchema>;

/** Fields a plan compares and changes, in the order previews show them. */
export const PLAN_FIELDS = [
  "alias",
  "displayName",
  "connectionStrategy",
  "connectionId",
  "enabledActions",
  "settings",
  "sortOrder",
] as const;

export const FieldChangeSchema = z.object({
  field: z.string(),
  before: z.unknown(),
  after: z.unknown(),
});
export type FieldChange = z.infer<typeof FieldChangeSchema>;

export const PLAN_ACTIONS = ["create", "update", "delete"] as const;

/**
 * One write, in order, as it travels (tool output, a plan handed back): `request` is the API
 * body (create/update). A rename that would collide (a swap) goes through a temporary alias:
 * two update steps for one integration. The engine makes {@link PlanStep}s, which say more.
 */
export const PlanStepSchema = z.object({
  n: z.number().describe("1-based position."),
  action: z.enum(PLAN_ACTIONS),
  alias: z.string().describe("Alias after the step (for delete: the alias removed)."),
  integrationName: z.string(),
  id: z.string().optional().describe("Integration id (update, delete)."),
  changes: z.array(FieldChangeSchema).optional().describe("update: each field before → after."),
  request: z.record(z.string(), z.unknown()).optional().describe("Body sent to the API."),
  destructive: z.boolean().describe("A delete, or a change of connectionStrategy."),
  temporary: z.boolean().optional().describe("A rename to a temporary alias (swap)."),
});
export type PlanStepWire = z.infer<typeof PlanStepSchema>;

/** What every step has, whatever its action. */
interface StepCommon {
  n: number;
  alias: string;
  integrationName: string;
  destructive: boolean;
  temporary?: boolean | undefined;
}

/**
 * One write as the engine makes it: the action decides what the step carries, so a create
 * sends a create body and an update or delete has the integration's id. Its wire form is
 * {@link PlanStepWire} (every one of these is one).
 */
export type PlanStep =
  | (StepCommon & {
      action: "create";
      request: CreateWorkspaceIntegration;
      id?: undefined;
      changes?: undefined;
    })
  | (StepCommon & {
      action: "update";
      id: string;
      changes: FieldChange[];
      request: UpdateWorkspaceIntegration;
    })
  | (StepCommon & { action: "delete"; id: string; changes?: undefined; request?: undefined });

export const PLAN_ISSUE_RULES = [
  "UNKNOWN_INTEGRATION",
  "INVALID_ALIAS",
  "CONNECTION_NOT_USED",
  "CONNECTION_NOT_FOUND",
  "CONNECTION_WRONG_INTEGRATION",
  "CONNECTION_OTHER_WORKSPACE",
  "CONNECTION_REQUIRED",
  "UNKNOWN_ACTIONS",
  "SETTINGS_BLOCK",
  "BEARER_BLOCKS_PER_USER",
  "ALIAS_CLASH",
  "RENAME_SOURCE_MISSING",
  "INTEGRATION_NAME_CHANGE",
  "CONNECTION_CLEAR",
] as const;

/** Something the API would reject, found before any write. */
export const PlanIssueSchema = z.object({
  alias: z.string(),
  field: z.string(),
  rule: z.enum(PLAN_ISSUE_RULES),
  message: z.string(),
  suggestions: z.array(z.string()).optional().describe("Closest valid values."),
});
export type PlanIssue = z.infer<typeof PlanIssueSchema>;

export const PlanSchema = z.object({
  planId: z.string(),
  workspaceId: z.string(),
  fingerprint: z.string().describe("Hash of the live state the plan was computed from."),
  prune: z.boolean(),
  steps: z.array(PlanStepSchema),
  unchanged: z.array(z.string()).describe("Aliases already as desired."),
  unmanaged: z
    .array(z.object({ alias: z.string(), id: z.string(), integrationName: z.string() }))
    .describe("In the workspace but not in the desired state; kept (prune is off)."),
  issues: z.array(PlanIssueSchema).describe("Problems to fix first; apply refuses while any."),
  counts: z.object({
    create: z.number(),
    update: z.number(),
    delete: z.number(),
    unchanged: z.number(),
    unmanaged: z.number(),
  }),
  destructive: z.boolean().describe("Whether any step deletes or changes a connectionStrategy."),
  desired: DesiredStateSchema.describe("The desired state, as normalised (defaults filled)."),
});
/** A plan as it travels: what a client hands back to apply (validated by PlanSchema). */
export type PlanWire = z.infer<typeof PlanSchema>;
/** A plan as the engine makes it: its steps are typed by action. */
export type Plan = Omit<PlanWire, "steps"> & { steps: PlanStep[] };

/** An integration as the live workspace has it: its configuration and its id. */
export interface LiveIntegration extends IntegrationConfig {
  id: string;
}

/** A connection the rules may pin. */
export interface LiveConnection {
  id: string;
  integrationName: string;
  /** Null or absent: an organisation-level connection, usable in every workspace. */
  workspaceId?: string | null;
  displayName?: string;
  status?: string;
}

/** What a plan is computed against: one workspace as it is now. */
export interface LiveState {
  workspaceId: string;
  integrations: LiveIntegration[];
  connections: LiveConnection[];
  /** MCP servers of the workspace that hold a static bearer token. */
  bearerServers: BearerServerRef[];
}
