// Owns the write steps of a plan: field diffs, PATCH and create bodies, and the step drafts.
import type {
  CreateWorkspaceIntegration,
  Settings,
  UpdateWorkspaceIntegration,
} from "../integration.js";
import {
  checkIntegrationRules,
  type IntegrationConfig,
  integrationConfigOf,
  mergeIntegrationPatch,
  type RuleContext,
} from "../integration-rules.js";
import { deepEqual } from "../json.js";
import {
  type DesiredIntegration,
  type FieldChange,
  type LiveIntegration,
  type LiveState,
  PLAN_FIELDS,
  type PlanIssue,
  type PlanStep,
} from "./model.js";
import { wordViolation } from "./wording.js";

/** A desired entry matched to the live integration it configures. */
export interface Pair {
  alias: string;
  desired: DesiredIntegration;
  live: LiveIntegration;
}

/** Where a step draft sits in the order: the alias it takes and the one it frees. */
export interface Ordering {
  occupies?: string;
  frees?: string;
}
/** A step before it is numbered (Omit per action, so the union stays one). */
export type StepDraft = (PlanStep extends infer S
  ? S extends PlanStep
    ? Omit<S, "n">
    : never
  : never) &
  Ordering;
/** An update step before it is numbered: renames, and their temporary aliases. */
export type UpdateDraft = Omit<Extract<PlanStep, { action: "update" }>, "n"> & Ordering;

/** The step drafts of a plan, before ordering, and what needs no write. */
export interface BuiltSteps {
  steps: StepDraft[];
  unchanged: string[];
  /** live alias → its rename step */
  renames: Map<string, UpdateDraft>;
}

/**
 * Creates, updates and deletes as drafts: an update per pair whose config differs (checked as
 * it would be merged), a create per new entry, a delete per pruned integration.
 */
export function buildSteps(
  pairs: readonly Pair[],
  creates: ReadonlyArray<[string, DesiredIntegration]>,
  deletes: readonly LiveIntegration[],
  finalConfig: ReadonlyMap<string, IntegrationConfig>,
  ruleCtx: RuleContext,
  live: LiveState,
  issues: PlanIssue[],
): BuiltSteps {
  const steps: StepDraft[] = [];
  const unchanged: string[] = [];
  const renames = new Map<string, UpdateDraft>(); // live alias → its rename step
  for (const p of pairs) {
    const target = finalConfig.get(p.alias);
    if (!target) continue;
    const current = integrationConfigOf(p.live);
    const changes = diffFields(current, target);
    if (changes.length === 0) {
      unchanged.push(p.alias);
      continue;
    }
    const built = buildPatch(current, target, p.alias, issues);
    if (!built) continue;
    const checked = checkIntegrationRules(mergeIntegrationPatch(current, built), ruleCtx);
    if (!checked.ok) {
      for (const v of checked.violations)
        issues.push(wordViolation(p.alias, v, live.connections, live.workspaceId));
      continue;
    }
    const step: UpdateDraft = {
      action: "update",
      alias: p.alias,
      integrationName: p.live.integrationName,
      id: p.live.id,
      changes,
      request: built,
      destructive: current.connectionStrategy !== target.connectionStrategy,
    };
    if (p.live.alias !== p.alias) {
      step.occupies = p.alias;
      step.frees = p.live.alias;
      renames.set(p.live.alias, step);
    }
    steps.push(step);
  }
  for (const [alias, d] of creates) {
    const target = finalConfig.get(alias);
    if (!target) continue;
    steps.push({
      action: "create",
      alias,
      integrationName: d.integrationName,
      request: createRequest(target),
      destructive: false,
      occupies: alias,
    });
  }
  for (const l of deletes) {
    steps.push({
      action: "delete",
      alias: l.alias,
      integrationName: l.integrationName,
      id: l.id,
      destructive: true,
      frees: l.alias,
    });
  }
  return { steps, unchanged, renames };
}

/** A draft numbered, its ordering hints dropped. */
export function toStep(s: StepDraft, i: number): PlanStep {
  const { occupies: _o, frees: _f, ...rest } = s;
  return { n: i + 1, ...rest };
}

/** Field-level before → after, in preview order. */
export function diffFields(current: IntegrationConfig, target: IntegrationConfig): FieldChange[] {
  const out: FieldChange[] = [];
  for (const f of PLAN_FIELDS) {
    if (!deepEqual(current[f], target[f]))
      out.push({ field: f, before: current[f], after: target[f] });
  }
  return out;
}

/**
 * The PATCH body that turns `current` into `target`, or undefined (with an issue) when no
 * update can: a pinned connection can be dropped only by switching to per_user.
 */
function buildPatch(
  current: IntegrationConfig,
  target: IntegrationConfig,
  alias: string,
  issues: PlanIssue[],
): UpdateWorkspaceIntegration | undefined {
  const patch: UpdateWorkspaceIntegration = {};
  if (current.alias !== target.alias) patch.alias = target.alias;
  if (current.connectionStrategy !== target.connectionStrategy)
    patch.connectionStrategy = target.connectionStrategy;
  if (current.connectionId !== target.connectionId) {
    if (target.connectionId !== null) patch.connectionId = target.connectionId;
    else if (
      !(target.connectionStrategy === "per_user" && current.connectionStrategy !== "per_user")
    ) {
      issues.push({
        alias,
        field: "connectionId",
        rule: "CONNECTION_CLEAR",
        message: `"${alias}" pins connection ${current.connectionId}, and an update cannot unpin it except by switching to per_user; keep connectionId: ${current.connectionId}, or pin another connection`,
      });
      return undefined;
    }
  }
  if (current.displayName !== target.displayName) patch.displayName = target.displayName;
  if (!deepEqual(current.enabledActions, target.enabledActions))
    patch.enabledActions = target.enabledActions;
  if (!deepEqual(current.settings, target.settings))
    patch.settings = target.settings as UpdateWorkspaceIntegration["settings"];
  if (current.sortOrder !== target.sortOrder) patch.sortOrder = target.sortOrder;
  return patch;
}

/**
 * The create body for a checked config: defaults left out, as a person would write it (also
 * what `export` writes per integration, so that planning an export shows no change).
 */
export function createRequest(c: IntegrationConfig): CreateWorkspaceIntegration {
  const body: CreateWorkspaceIntegration = {
    integrationName: c.integrationName,
    alias: c.alias,
    connectionStrategy: c.connectionStrategy,
  };
  if (c.connectionId !== null) body.connectionId = c.connectionId;
  if (c.displayName !== null) body.displayName = c.displayName;
  if (c.enabledActions !== null) body.enabledActions = c.enabledActions;
  if (Object.keys(c.settings).length > 0) body.settings = c.settings as Settings;
  if (c.sortOrder !== 0) body.sortOrder = c.sortOrder;
  return body;
}
