import type { PlanStepWire, PlanWire } from "./model.js";

const show = (v: unknown): string =>
  v === null || v === undefined ? "(none)" : typeof v === "string" ? v : JSON.stringify(v);

function stepLines(s: PlanStepWire): string[] {
  const mark = s.destructive ? "  [destructive]" : "";
  if (s.action === "create") {
    const fields = Object.entries(s.request ?? {})
      .filter(([k]) => k !== "integrationName" && k !== "alias")
      .map(([k, v]) => `${k} ${show(v)}`);
    return [
      `  ${s.n}. + create ${s.alias} (${s.integrationName})${mark}`,
      ...fields.map((f) => `       ${f}`),
    ];
  }
  if (s.action === "delete") {
    return [`  ${s.n}. - delete ${s.alias} (${s.integrationName}, ${s.id})${mark}`];
  }
  const head = `  ${s.n}. ~ update ${s.alias} (${s.integrationName}, ${s.id})${s.temporary ? " (temporary alias for a swap)" : ""}${mark}`;
  return [
    head,
    ...(s.changes ?? []).map((c) => `       ${c.field}: ${show(c.before)} → ${show(c.after)}`),
  ];
}

/** Counts in words: "2 to create, 1 to update, 0 to delete, 3 unchanged". */
export function planSummary(plan: PlanWire): string {
  const c = plan.counts;
  if (plan.issues.length > 0)
    return `${plan.issues.length} problem(s) to fix before anything can be applied.`;
  if (plan.steps.length === 0)
    return `No changes: ${c.unchanged} integration(s) already as desired${c.unmanaged > 0 ? `, ${c.unmanaged} unmanaged` : ""}.`;
  return `${c.create} to create, ${c.update} to update, ${c.delete} to delete, ${c.unchanged} unchanged${c.unmanaged > 0 ? `, ${c.unmanaged} unmanaged` : ""}${plan.destructive ? " (includes destructive changes)" : ""}.`;
}

/** A plan as text for a person: numbered steps, field changes, issues, then the counts. */
export function renderPlan(plan: PlanWire): string {
  const lines = [`Plan ${plan.planId} for workspace ${plan.workspaceId}`];
  if (plan.issues.length > 0) {
    lines.push("Problems (nothing is applied until they are fixed):");
    for (const i of plan.issues) lines.push(`  ✗ integrations.${i.alias}.${i.field}: ${i.message}`);
  }
  for (const s of plan.steps) lines.push(...stepLines(s));
  if (plan.unchanged.length > 0) lines.push(`  = unchanged: ${plan.unchanged.join(", ")}`);
  if (plan.unmanaged.length > 0) {
    lines.push(
      `  ? unmanaged (in the workspace, not in the desired state; kept because prune is off): ${plan.unmanaged
        .map((u) => `${u.alias} (${u.integrationName})`)
        .join(", ")}`,
    );
  }
  lines.push(planSummary(plan));
  return lines.join("\n");
}
