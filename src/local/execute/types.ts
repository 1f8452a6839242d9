import { ApiError } from "../errors.js";
import type { Store } from "../store/index.js";
import type { Resolved } from "./resolve.js";

/** What a built-in action sees when it runs. */
export interface RunContext {
  store: Store;
  resolved: Resolved;
  input: Record<string, unknown>;
  endUserId: string | undefined;
  signal: AbortSignal | undefined;
  /** The persistence scope key (throws VALIDATION_ERROR when end_user needs an endUserId). */
  scope(): string;
}

/** One action's implementation: returns the action's output. */
export type Runner = (ctx: RunContext) => unknown | Promise<unknown>;

/** A built-in integration: its runnable actions by name. */
export type BuiltIn = Readonly<Record<string, Runner>>;

/** 400 ACTION_FAILED: the action ran (or started) and failed for a reason it reports. */
export function actionFailed(message: string, details?: Record<string, unknown>): ApiError {
  return new ApiError(400, "ACTION_FAILED", message, details);
}
