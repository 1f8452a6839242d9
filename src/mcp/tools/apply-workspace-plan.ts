import { z } from "zod";
import { applyPlan, outcomeOf, PlanRefusedError } from "../../api/workspace-plan.js";
import {
  canonicalJson,
  PlanSchema,
  type PlanWire,
  renderPlan,
  stepsDigest,
} from "../../domain/plan/index.js";
import { ConfirmArg, ConfirmOutput } from "../confirm.js";
import { PLAN_TTL_MS, PLANS } from "../plan-store.js";
import { DESTRUCTIVE, defineTool, ToolInputError } from "../tool.js";
import { changeLinks, stepLine, stepProgress } from "./shared.js";

const StepOutcomeSchema = z.object({
  n: z.number(),
  action: z.enum(["create", "update", "delete"]),
  alias: z.string(),
  integrationName: z.string(),
  id: z.string().optional(),
});

export default defineTool({
  name: "apply_workspace_plan",
  title: "Apply a workspace plan",
  toolset: "plan",
  description:
    "Carry out a plan from plan_workspace, step by step, stopping at the first failure. Refuses if the workspace changed since the plan was made. Applying an already-reached state changes nothing.",
  input: z.strictObject({
    planId: z.string().min(1).max(100).optional().describe("planId from plan_workspace."),
    plan: z
      .record(z.string(), z.unknown())
      .optional()
      .describe("The whole plan object instead of planId (e.g. after a server restart)."),
    confirm: ConfirmArg,
  }),
  output: z.object({
    planId: z.string(),
    workspaceId: z.string(),
    status: z.enum(["applied", "nothing_to_do", "failed", "not_confirmed"]),
    applied: z.array(StepOutcomeSchema).describe("Steps carried out, in order."),
    failed: StepOutcomeSchema.extend({
      error: z.object({ code: z.string(), message: z.string(), status: z.number().optional() }),
    })
      .optional()
      .describe("The step that failed; nothing after it ran."),
    notRun: z.array(StepOutcomeSchema).describe("Steps not carried out."),
    ...ConfirmOutput,
  }),
  annotations: DESTRUCTIVE,
  // Deletes and connection-strategy changes (the plan's destructive steps) need the user's yes.
  confirm: {
    async inspect(args, ctx) {
      const plan = resolvePlan(args);
      // A plan sent whole names its workspace: the caller's workspace limit applies before
      // anything is previewed or asked (through the API as this caller may use it).
      await ctx.api.getWorkspace(plan.workspaceId, { signal: ctx.signal });
      const destructive = plan.steps.filter((s) => s.destructive);
      if (destructive.length === 0) return undefined;
      const line = (s: PlanWire["steps"][number]) =>
        `${s.action === "delete" ? "delete" : "change the connection strategy of"} "${s.alias}" (${s.integrationName})`;
      return {
        // The user confirms these steps for this desired state: the apply recomputes the steps
        // from plan.desired and refuses unless they equal plan.steps (see applyPlan).
        key: {
          planId: plan.planId,
          workspaceId: plan.workspaceId,
          fingerprint: plan.fingerprint,
          prune: plan.prune,
          desired: canonicalJson(plan.desired),
          steps: stepsDigest(plan.steps),
        },
        question: `Apply plan ${plan.planId} to workspace ${plan.workspaceId}? It will ${destructive.map(line).join(", ")}${plan.steps.length > destructive.length ? `, plus ${plan.steps.length - destructive.length} other step(s)` : ""}.`,
        what: `applying plan ${plan.planId} (${destructive.length} destructive step(s)) to workspace ${plan.workspaceId}`,
        preview: {
          planId: plan.planId,
          destructiveSteps: destructive.map((s) => ({
            n: s.n,
            action: s.action,
            alias: s.alias,
            integrationName: s.integrationName,
            changes: s.changes,
          })),
          plan: renderPlan(plan),
        },
      };
    },
    notDone(args) {
      const plan = resolvePlan(args);
      return {
        planId: plan.planId,
        workspaceId: plan.workspaceId,
        status: "not_confirmed",
        applied: [],
        notRun: plan.steps.map((s) => outcomeOf(s)),
      };
    },
  },
  async handler(args, ctx) {
    const plan = resolvePlan(args);
    let report: Awaited<ReturnType<typeof applyPlan>>;
    try {
      report = await applyPlan(ctx.api, plan, {
        signal: ctx.signal,
        onProgress: stepProgress(ctx),
      });
    } catch (err) {
      if (err instanceof PlanRefusedError) {
        throw new ToolInputError(
          err.reason === "stale"
            ? `Workspace ${plan.workspaceId} changed since plan ${plan.planId} was made, or the plan sent back differs from the one plan_workspace returned; nothing was applied. The plan for it now:\n${renderPlan(err.plan)}`
            : err.reason === "altered"
              ? `Plan ${plan.planId}'s steps are not the ones its desired state gives (the plan was edited); nothing was applied. The plan for it now:\n${renderPlan(err.plan)}`
              : `Plan ${plan.planId} has problems; nothing was applied.\n${renderPlan(err.plan)}`,
          "re-plan with plan_workspace (the same integrations), show the new preview, then apply its planId.",
        );
      }
      throw err;
    }
    if (report.applied.length > 0) ctx.changed(plan.workspaceId);
    const summary =
      report.status === "nothing_to_do"
        ? `Nothing to do: workspace ${plan.workspaceId} already matches plan ${plan.planId}'s desired state.`
        : report.status === "applied"
          ? `Applied plan ${plan.planId}: ${report.applied.map(stepLine).join("; ")}.`
          : `Plan ${plan.planId} stopped at step ${report.failed?.n} (${report.failed?.action} ${report.failed?.alias}): ${report.failed?.error.code}: ${report.failed?.error.message}. Applied: ${report.applied.map(stepLine).join("; ") || "none"}. Not run: ${report.notRun.map(stepLine).join("; ") || "none"}. Next: fix the cause, then call plan_workspace again (it plans only what is left).`;
    return { data: report, summary, links: changeLinks(plan.workspaceId) };
  },
});

/** The plan to apply: by id from this server's store, or given whole (validated). */
function resolvePlan(args: {
  planId?: string | undefined;
  plan?: Record<string, unknown> | undefined;
}): PlanWire {
  if ((args.planId === undefined) === (args.plan === undefined)) {
    throw new ToolInputError(
      "Give exactly one of planId or plan.",
      "pass the planId that plan_workspace returned.",
    );
  }
  if (args.planId !== undefined) {
    const plan = PLANS.get(args.planId);
    if (!plan) {
      throw new ToolInputError(
        `No plan "${args.planId}" on this server (plans are kept ${PLAN_TTL_MS / 60_000} minutes, by the server process that made them: not after a restart, nor on another replica).`,
        "pass the whole plan object plan_workspace returned as plan instead of planId, or re-plan with plan_workspace and apply the new planId.",
      );
    }
    return plan;
  }
  const parsed = PlanSchema.safeParse(args.plan);
  if (!parsed.success) {
    throw new ToolInputError(
      `plan is not a plan from plan_workspace (${parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join(".") || "(plan)"}: ${i.message}`)
        .join("; ")}).`,
      "re-plan with plan_workspace and pass its planId.",
    );
  }
  return parsed.data;
}
