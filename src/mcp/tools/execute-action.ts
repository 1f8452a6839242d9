import { z } from "zod";
import { WeavzApiError, WeavzConnectionError, WeavzTimeoutError } from "../../api/errors.js";
import { AliasSchema, IdSchema } from "../../domain/common.js";
import { ExecuteResultSchema } from "../../domain/execute.js";
import { resolveWorkspaceId, WorkspaceIdArg } from "../args.js";
import { retryWithClosest } from "../results/next-steps.js";
import { defineTool, ToolInputError } from "../tool.js";

/** Built-ins that run on the embedded local API; the rest need the hosted one. */
const OFFLINE =
  "kv-store, storage, code, advanced-code (JavaScript), http, data-transformer, hash-encode";

type Args = { integrationName: string; actionName: string; endUserId?: string | undefined };

/** The next step for the execution errors, each naming the tool (or setting) that fixes it. */
function nextStep(err: WeavzApiError, a: Args): string | undefined {
  const d = err.details ?? {};
  switch (err.code) {
    case "CONNECTION_REQUIRED":
      return a.endUserId
        ? `end user "${a.endUserId}" needs their own ${a.integrationName} connection (created for them in Weavz with endUserId "${a.endUserId}"); or give the integration a fallback with update_workspace_integration (connectionStrategy per_user_with_fallback + a connectionId from list_connections).`
        : `pass endUserId (the user whose own ${a.integrationName} connection to use), or switch the integration with update_workspace_integration to fixed / per_user_with_fallback with a connectionId from list_connections.`;
    case "AMBIGUOUS_INTEGRATION": {
      const c = Array.isArray(d.candidates) ? (d.candidates as Array<{ alias: string }>) : [];
      return `pass alias, one of: ${c.map((x) => x.alias).join(", ")} (list_workspace_integrations shows them).`;
    }
    case "ACTION_NOT_ALLOWED":
      return "use an enabled action, or add this one to enabledActions with update_workspace_integration.";
    case "ACTION_NOT_FOUND":
      return `call get_catalog_integration for ${a.integrationName}'s action names.`;
    case "INTEGRATION_NOT_FOUND": {
      const [closest] = Array.isArray(d.suggestions) ? d.suggestions.map(String) : [];
      if (closest && closest !== a.integrationName)
        return retryWithClosest("execute_action", "integrationName", closest, false);
      return "add it with create_workspace_integration, or check alias / integrationName with list_workspace_integrations and search_catalog.";
    }
    case "INTEGRATION_UNAVAILABLE":
      return `this action runs only on the hosted Weavz API: the user sets WEAVZ_API_KEY to use it. Offline, these run: ${OFFLINE}.`;
    case "ACTION_FAILED":
      return "read the reason above, fix the input, and call again.";
    default:
      return undefined;
  }
}

export default defineTool({
  name: "execute_action",
  title: "Run an action of a workspace integration",
  toolset: "execute",
  description: `Run one action (e.g. kv-store put) through a workspace integration, with its connection strategy and settings. Input fields: get_catalog_integration. Offline only built-ins run (${OFFLINE}). May change outside systems.`,
  input: z.strictObject({
    workspaceId: WorkspaceIdArg,
    integrationName: z.string().min(1).max(100),
    actionName: z.string().min(1).max(200),
    alias: AliasSchema.optional().describe("Which workspace integration, if several."),
    workspaceIntegrationId: IdSchema.optional(),
    endUserId: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe("Your user's id: per_user connections, end_user storage."),
    input: z.record(z.string(), z.unknown()).optional().describe("The action's fields."),
    idempotencyKey: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe("Same key again returns the first result."),
  }),
  output: ExecuteResultSchema,
  annotations: {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: false,
    openWorldHint: true,
  },
  async handler(args, ctx) {
    const workspaceId = resolveWorkspaceId(args.workspaceId, ctx.defaultWorkspaceId);
    const body = {
      workspaceId,
      integrationName: args.integrationName,
      actionName: args.actionName,
      input: args.input ?? {},
      ...(args.alias !== undefined ? { integrationAlias: args.alias } : {}),
      ...(args.workspaceIntegrationId !== undefined
        ? { workspaceIntegrationId: args.workspaceIntegrationId }
        : {}),
      ...(args.endUserId !== undefined ? { endUserId: args.endUserId } : {}),
      ...(args.idempotencyKey !== undefined ? { idempotencyKey: args.idempotencyKey } : {}),
    };
    try {
      const res = await ctx.api.executeAction(body, { signal: ctx.signal });
      return {
        data: res,
        summary: `Ran ${args.integrationName}.${args.actionName}${args.alias ? ` via "${args.alias}"` : ""} in ${res.duration} ms.`,
      };
    } catch (err) {
      if (err instanceof WeavzApiError) {
        const step = nextStep(err, args);
        if (step) {
          const logs = err.details?.logs;
          const logLine =
            Array.isArray(logs) && logs.length > 0 ? ` Logs: ${logs.slice(0, 10).join(" | ")}` : "";
          // The API's own code heads the error (INVALID_ARGUMENTS would invite a retry with
          // other arguments, which fixes none of these).
          // The step names the closest name; the API's unquoted "did you mean x?" would repeat it.
          const message =
            err.code === "INTEGRATION_NOT_FOUND"
              ? err.message.replace(/;? ?did you mean [^?]*\?/i, "")
              : err.message;
          throw new ToolInputError(`${message} (HTTP ${err.status})${logLine}`, step, err.code);
        }
      }
      if (err instanceof WeavzTimeoutError || err instanceof WeavzConnectionError) {
        throw new ToolInputError(
          `The answer to ${args.integrationName}.${args.actionName} was lost (${err.message}); the action may or may not have run.`,
          args.idempotencyKey
            ? "call again with the same idempotencyKey: a finished run is replayed, not repeated."
            : "check its effect before running it again; pass an idempotencyKey next time so a repeat is safe.",
          err instanceof WeavzTimeoutError ? "TIMEOUT" : "CONNECTION_FAILED",
        );
      }
      throw err;
    }
  },
});
