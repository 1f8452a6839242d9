import {
  type CreateWorkspaceIntegrationInput,
  deepEqual,
  SettingsSchema,
  type WorkspaceIntegration,
} from "../domain/index.js";

/** One field where the integration found after a lost create answer differs from the request. */
export interface FieldDifference {
  field: string;
  /** What the create asked for (defaults applied). */
  requested: unknown;
  /** What the workspace holds under the alias. */
  found: unknown;
}

/**
 * Compares an integration found by alias after an ambiguous create failure with the create
 * request. Only fields the request set are compared, plus connectionStrategy (the API defaults
 * it to fixed) and settings with their defaults applied, because that is what the API stores.
 * An empty list means the found integration is what the create would have made.
 */
export function createDifferences(
  body: CreateWorkspaceIntegrationInput,
  found: WorkspaceIntegration,
): FieldDifference[] {
  const out: FieldDifference[] = [];
  const differ = (field: string, requested: unknown, got: unknown) => {
    out.push({ field, requested, found: got });
  };
  if (found.integrationName !== body.integrationName) {
    differ("integrationName", body.integrationName, found.integrationName);
  }
  const strategy = body.connectionStrategy ?? "fixed";
  if (found.connectionStrategy !== strategy) {
    differ("connectionStrategy", strategy, found.connectionStrategy);
  }
  if (body.connectionId !== undefined && found.connectionId !== body.connectionId) {
    differ("connectionId", body.connectionId, found.connectionId ?? null);
  }
  if (body.displayName !== undefined && found.displayName !== body.displayName) {
    differ("displayName", body.displayName, found.displayName ?? null);
  }
  if (body.sortOrder !== undefined && found.sortOrder !== body.sortOrder) {
    differ("sortOrder", body.sortOrder, found.sortOrder);
  }
  if (body.enabledActions !== undefined) {
    const want = body.enabledActions;
    const got = found.enabledActions ?? null;
    if (!sameActionSet(want, got)) differ("enabledActions", want, got);
  }
  if (body.settings !== undefined) {
    const parsed = SettingsSchema.safeParse(body.settings);
    // An invalid settings object cannot have been stored; compare it as given.
    const want: unknown = parsed.success ? parsed.data : body.settings;
    const got = found.settings ?? {};
    if (!deepEqual(want, got)) differ("settings", want, got);
  }
  return out;
}

/** Action lists compared as sets; null (all actions) equals only null. */
function sameActionSet(a: readonly string[] | null, b: readonly string[] | null): boolean {
  if (a === null || b === null) return a === b;
  const sa = new Set(a);
  const sb = new Set(b);
  if (sa.size !== sb.size) return false;
  for (const x of sa) if (!sb.has(x)) return false;
  return true;
}
