// Owns swaps and step order: temporary aliases, breaking rename cycles, and ordering the steps.
import { ALIAS_PATTERN } from "../common.js";
import type { LiveIntegration } from "./model.js";
import type { StepDraft, UpdateDraft } from "./steps.js";

/**
 * Orders step drafts so that no alias is taken while another integration still holds it;
 * the first rename of each rename cycle (a↔b) goes through a temporary alias, added here.
 * STEPS is changed in place (the temporary steps are inserted); USEDALIASES gains them.
 */
export function orderSteps(
  steps: StepDraft[],
  renames: ReadonlyMap<string, UpdateDraft>,
  usedAliases: Set<string>,
): StepDraft[] {
  type Draft = StepDraft;
  // Break rename cycles (a↔b): the first rename of each cycle goes through a temporary alias.
  const freedBy = new Map<string, Draft>();
  for (const s of steps) if (s.frees) freedBy.set(s.frees, s);
  const seen = new Set<UpdateDraft>();
  for (const start of renames.values()) {
    const path: UpdateDraft[] = [];
    let cur: UpdateDraft | undefined = start;
    while (cur && !seen.has(cur) && !path.includes(cur)) {
      path.push(cur);
      cur = cur.occupies ? renames.get(cur.occupies) : undefined;
    }
    if (cur && path.includes(cur)) {
      const head = cur;
      const tmp = temporaryAlias(head.frees as string, usedAliases);
      usedAliases.add(tmp);
      const first: UpdateDraft = {
        action: "update",
        alias: tmp,
        integrationName: head.integrationName,
        id: head.id,
        changes: [{ field: "alias", before: head.frees, after: tmp }],
        request: { alias: tmp },
        destructive: false,
        temporary: true,
        // The temporary alias is fresh: this step waits for nothing.
        frees: head.frees,
      };
      head.changes = head.changes.map((c) => (c.field === "alias" ? { ...c, before: tmp } : c));
      head.frees = tmp;
      steps.splice(steps.indexOf(head), 0, first);
      freedBy.set(first.frees as string, first);
      freedBy.set(tmp, head);
    }
    for (const s of path) seen.add(s);
  }

  // Depth-first: before a step takes an alias, the step that frees it runs. Deletes nothing
  // waits for run last, so a failure earlier leaves them undone.
  const ordered: Draft[] = [];
  const done = new Set<Draft>();
  const visit = (s: Draft) => {
    if (done.has(s)) return;
    // Marked before its blocker is visited, so even an unbroken cycle emits each step once.
    done.add(s);
    const blocker = s.occupies ? freedBy.get(s.occupies) : undefined;
    if (blocker && blocker !== s) visit(blocker);
    ordered.push(s);
  };
  for (const s of steps) if (s.action !== "delete") visit(s);
  for (const s of steps) visit(s);
  return ordered;
}

/**
 * The integration an interrupted swap left under a temporary alias of BASE (`<base>-tmp`,
 * `<base>-tmp2`, … as {@link temporaryAlias} names them), if exactly one of that integration
 * is there.
 */
export function leftoverTemporary(
  base: string,
  integrationName: string,
  all: readonly LiveIntegration[],
): LiveIntegration | undefined {
  const stem = base.slice(0, 56);
  const found = all.filter(
    (l) =>
      l.integrationName === integrationName &&
      l.alias.startsWith(`${stem}-tmp`) &&
      /^\d*$/.test(l.alias.slice(stem.length + 4)),
  );
  return found.length === 1 ? found[0] : undefined;
}

/** A free alias for the middle of a swap: `<alias>-tmp`, `<alias>-tmp2`, … */
function temporaryAlias(base: string, used: Set<string>): string {
  const stem = base.slice(0, 56);
  for (let n = 1; ; n++) {
    const candidate = `${stem}-tmp${n === 1 ? "" : n}`;
    if (!used.has(candidate) && ALIAS_PATTERN.test(candidate)) return candidate;
  }
}
