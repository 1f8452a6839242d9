import type { ExecuteRequest, ExecuteResult } from "../../domain/index.js";
import { executeAction } from "../execute/index.js";
import type { Store } from "../store/index.js";

export type { ExecuteRequest, ExecuteResult };

/** Runs one action the way `POST /api/v1/actions/execute` does; failures throw ApiError. */
export type ExecuteFn = (
  req: ExecuteRequest,
  opts?: { signal?: AbortSignal },
) => Promise<ExecuteResult>;

/** The local execution engine bound to a store: the same path as the REST route. */
export function storeExecutor(store: Store): ExecuteFn {
  return (req, opts) => executeAction(store, req, opts);
}
