import type { Plan } from "../domain/plan/index.js";

/** How long a plan can be applied by id: long enough to read it and say yes. */
export const PLAN_TTL_MS = 30 * 60_000;
const MAX_PLANS = 200;

/**
 * Plans by id, in memory, for this server process: apply_workspace_plan takes the id so the
 * model need not echo a large plan back. Expired plans go on the next put or get.
 */
class PlanStore {
  private readonly plans = new Map<string, { plan: Plan; expires: number }>();

  /** Keeps a plan for the TTL (the oldest goes when the store is full). */
  put(plan: Plan): void {
    this.sweep();
    if (this.plans.size >= MAX_PLANS) {
      const oldest = this.plans.keys().next().value;
      if (oldest !== undefined) this.plans.delete(oldest);
    }
    this.plans.set(plan.planId, { plan, expires: Date.now() + PLAN_TTL_MS });
  }

  /** The plan with this id, unless unknown or expired. */
  get(planId: string): Plan | undefined {
    this.sweep();
    return this.plans.get(planId)?.plan;
  }

  private sweep(): void {
    const t = Date.now();
    for (const [id, e] of this.plans) if (e.expires <= t) this.plans.delete(id);
  }
}

/** The process's plans, shared by every MCP session of this server. */
export const PLANS = new PlanStore();
