import { ApiError } from "../errors.js";
import type { Store } from "../store.js";

/** The body fields of `POST /api/v1/actions/execute`, as the execution engine takes them. */
export interface ExecuteRequest {
  integrationName: string;
  actionName: string;
  workspaceId: string;
  input?: Record<string, unknown>;
  workspaceIntegrationId?: string;
  integrationAlias?: string;
  endUserId?: string;
  idempotencyKey?: string;
}

/** A successful run; failures throw the local API's ApiError (code + details). */
export interface ExecuteResult {
  success: true;
  output: unknown;
  duration: number;
}

/** Runs one action the way `POST /api/v1/actions/execute` does. */
export type ExecuteFn = (
  req: ExecuteRequest,
  opts?: { signal?: AbortSignal },
) => Promise<ExecuteResult>;

/**
 * The execution engine bound to a store. Until the engine is part of the local API, every
 * call fails with a clear INTEGRATION_UNAVAILABLE error instead of pretending to run.
 */
export function storeExecutor(_store: Store): ExecuteFn {
  return async (req) => {
    throw new ApiError(
      501,
      "INTEGRATION_UNAVAILABLE",
      `Actions cannot run on this local API yet (${req.integrationName}.${req.actionName} was resolved but not run).`,
    );
  };
}
