import { ADVANCED_CODE_TIMEOUT, AdvancedCodeSettingsSchema } from "../../../domain/index.js";
import { ApiError } from "../../errors.js";
import { runJavaScript } from "../javascript.js";
import { connectionFacts } from "../resolve.js";
import type { BuiltIn } from "../types.js";

/** code.run_code: JavaScript in a worker, the default timeout (the code built-in has no settings). */
export const code: BuiltIn = {
  run_code(ctx) {
    return runJavaScript(ctx.input.code as string, ctx.input.inputs ?? {}, {
      timeoutSeconds: ADVANCED_CODE_TIMEOUT.default,
      signal: ctx.signal,
    });
  },
};

/** advanced-code.run_code: JavaScript only offline, with settings.advancedCode.timeoutSeconds. */
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
    return runJavaScript(
      ctx.input.code as string,
      {},
      {
        timeoutSeconds: settings.timeoutSeconds,
        signal: ctx.signal,
      },
    );
  },
};
