import { executeAction } from "../execute/index.js";
import {
  type App,
  checkScope,
  clientGone,
  type Deps,
  ok,
  readBody,
  requireObject,
  resource,
} from "./context.js";

/** POST /actions/execute: run one action (see src/local/execute). */
export function actionRoutes(app: App, deps: Deps): void {
  resource(app, "/api/v1/actions/execute", {
    POST: async (c) => {
      const body = requireObject(await readBody(c));
      if (typeof body.workspaceId === "string") checkScope(c, body.workspaceId);
      // The run stops (code workers terminate, requests abort) when the client goes away.
      const result = await executeAction(deps.store, body, { signal: clientGone(c) });
      return ok(c, result);
    },
  });
}
