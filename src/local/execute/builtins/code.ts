import { ADVANCED_CODE_TIMEOUT, AdvancedCodeSettingsSchema } from "../../../domain/index.js";
import { ApiError, validationError } from "../../errors.js";
import { type CodeStorage, runJavaScript } from "../javascript.js";
import { connectionFacts, endUserScopeKey } from "../resolve.js";
import type { BuiltIn, RunContext } from "../types.js";
import { storage } from "./storage.js";

/** code.run_code: JavaScript in the sandbox, the default timeout (code has no settings). */
export const code: BuiltIn = {
  run_code(ctx) {
    return runJavaScript(ctx.input.code as string, ctx.input.inputs ?? {}, {
      timeoutSeconds: ADVANCED_CODE_TIMEOUT.default,
      signal: ctx.signal,
    });
  },
};

/**
 * The storage key settings.advancedCode.storageMountScope selects, in the same scopes as the
 * storage built-in's (so a storage integration with the same scope sees the same files).
 */
function mountScope(
  ctx: RunContext,
  scope: "end_user" | "workspace" | "external",
  externalId: string | undefined,
): string {
  const { workspace, record } = ctx.resolved;
  if (scope === "workspace") return `ws:${workspace.id}`;
  if (scope === "external") return `org:${workspace.orgId}:ext:${externalId}`;
  if (!ctx.endUserId) {
    throw validationError([
      {
        field: "endUserId",
        message: `is required: workspace integration "${record.alias}" mounts storage per end user (settings.advancedCode.storageMountScope end_user)`,
      },
    ]);
  }
  return endUserScopeKey(workspace.id, ctx.endUserId);
}

/** storage.write/read/list/delete for the code, run by the storage built-in under `scope`. */
function codeStorage(ctx: RunContext, scope: string): CodeStorage {
  const at = (input: Record<string, unknown>): RunContext => ({
    ...ctx,
    input,
    scope: () => scope,
  });
  const text = (v: unknown) => (typeof v === "string" ? v : undefined);
  return async (op, args) => {
    switch (op) {
      case "write":
        return storage.write_file?.(
          at({
            path: args.path,
            content: typeof args.content === "string" ? args.content : JSON.stringify(args.content),
            contentEncoding: text(args.encoding),
            contentType: text(args.contentType),
          }),
        );
      case "read": {
        const out = (await storage.read_file?.(
          at({ path: args.path, outputEncoding: text(args.encoding) }),
        )) as { content: string };
        return out.content;
      }
      case "list": {
        const out = (await storage.list_files?.(at({ prefix: text(args.prefix) ?? "" }))) as {
          files: unknown[];
        };
        return out.files;
      }
      case "delete": {
        const out = (await storage.delete_file?.(at({ path: args.path }))) as { deleted: boolean };
        return out.deleted;
      }
    }
  };
}

/** advanced-code.run_code: JavaScript only offline, governed by settings.advancedCode. */
export const advancedCode: BuiltIn = {
  run_code(ctx) {
    const settings = AdvancedCodeSettingsSchema.parse(
      ctx.resolved.record.settings.advancedCode ?? {},
    );
    if (ctx.input.language !== "javascript") {
      throw new ApiError(
        501,
        "INTEGRATION_UNAVAILABLE",
        `advanced-code runs ${String(ctx.input.language)} only on the hosted Weavz API (it needs its sandbox); offline only language "javascript" runs.`,
        {
          integrationName: "advanced-code",
          actionName: "run_code",
          alias: ctx.resolved.record.alias,
          connection: connectionFacts(ctx.resolved.connection),
          reason: "needs_hosted_sandbox",
        },
      );
    }
    const mount = settings.storageMountScope;
    return runJavaScript(
      ctx.input.code as string,
      {},
      {
        timeoutSeconds: settings.timeoutSeconds,
        signal: ctx.signal,
        ...(mount === "none"
          ? {}
          : { storage: codeStorage(ctx, mountScope(ctx, mount, settings.storageExternalId)) }),
      },
    );
  },
};
