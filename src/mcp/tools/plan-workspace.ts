import { z } from "zod";
import { planWorkspace } from "../../api/workspace-plan.js";
import { AliasSchema } from "../../domain/common.js";
import { DesiredIntegrationSchema, PlanSchema, renderPlan } from "../../domain/plan/index.js";
import { resolveWorkspaceId, WorkspaceIdArg } from "../args.js";
import { PLAN_TTL_MS, PLANS } from "../plan-store.js";
import { defineTool, READ_ONLY } from "../tool.js";
import { integrationsUri } from "../uris.js";

/** The plan as the tool returns it; the desired state is echoed without its full schema. */
const PlanOutputSchema = PlanSchema.extend({
  desired: z.record(z.string(), z.unknown()).describe("The desired state, defaults filled."),
});

export default defineTool({
  name: "plan_workspace",
  title: "Plan a workspace's integrations",
  toolset: "plan",
  description:
    "Compare a desired set of integrations (keyed by alias) with the workspace and return the ordered steps to get there, changing nothing. Finds what the API would reject first. Apply with apply_workspace_plan and the planId.",
  input: z.strictObject({
    workspaceId: WorkspaceIdArg,
    prune: z
      .boolean()
      .optional()
      .describe("Also delete integrations not listed (default false: they are left, 'unmanaged')."),
    integrations: z
      .record(AliasSchema, DesiredIntegrationSchema)
      .describe("Every integration wanted, keyed by alias."),
  }),
  output: PlanOutputSchema,
  annotations: READ_ONLY,
  async handler(args, ctx) {
    const workspaceId = resolveWorkspaceId(args.workspaceId, ctx.defaultWorkspaceId);
    const plan = await planWorkspace(
      ctx.api,
      { workspaceId, prune: args.prune ?? false, integrations: args.integrations },
      { signal: ctx.signal },
    );
    if (plan.issues.length === 0 && plan.steps.length > 0) PLANS.put(plan);
    const next =
      plan.issues.length > 0
        ? "Fix the problems above (suggestions list the closest valid values; search_catalog, get_catalog_integration and list_connections help), then call plan_workspace again."
        : plan.steps.length === 0
          ? "Nothing to apply."
          : `Show this preview to the user${plan.destructive ? " (it includes destructive changes)" : ""}; to carry it out call apply_workspace_plan with planId "${plan.planId}" (valid ${PLAN_TTL_MS / 60_000} minutes).`;
    return {
      data: plan,
      summary: `${renderPlan(plan)}\nNext: ${next}`,
      links: [{ uri: integrationsUri(workspaceId), name: "workspace integrations" }],
    };
  },
});
