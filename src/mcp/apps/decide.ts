import type { CallToolResult, Tool } from "@modelcontextprotocol/server";
import { z } from "zod";
import { PlanSchema } from "../../domain/plan/index.js";
import { PLANS } from "../plan-store.js";
import { argumentErrorResult } from "../results/errors.js";
import { render } from "../results/render.js";
import { successResult } from "../results/success.js";
import { parseArguments, toJsonSchema } from "../schema.js";
import { DESTRUCTIVE } from "../tool.js";
import { PLAN_APP_URI, uiToolMeta } from "./links.js";
import { DECIDE_TOOL, VIEW_META_KEY } from "./names.js";

// The plan review App's Approve and Cancel. Approve runs the previewed tool again with its
// arguments and `confirm` token, through the very same tools/call path a model's echo takes
// (arguments, confirmation gate, handler): the token stays the guard, and the server cannot
// tell, nor needs to, whether a person clicked or a model echoed. Cancel voids the token, so
// the change the person turned down cannot be confirmed afterwards by anyone.
//
// Listed only to clients that render Apps, with `visibility: ["app"]`: such hosts keep it out
// of the model's tool list and let only the App call it (DECIDE_TOOL, names.ts).

/** Tools whose previews the App can approve: confirmed tools linked to the plan review. */
export const CONFIRMABLE = [
  "apply_workspace_plan",
  "delete_workspace_integration",
  "undo_change",
] as const;

const Input = z.strictObject({
  tool: z.string().min(1).max(100).describe("The previewed tool."),
  arguments: z
    .record(z.string(), z.unknown())
    .describe("The preview call's arguments plus its confirm token."),
  decision: z.enum(["approve", "cancel"]),
});
/** The input's JSON schema, for argument advice; made on the first call (not at start-up). */
let inputJson: ReturnType<typeof toJsonSchema> | undefined;
/**
 * What tools/list shows of the input: a few bytes (every connect of an Apps host pays for
 * them); `arguments` as a plain object, as the App sends it. Parsing still goes by Input.
 */
const LISTED_INPUT = {
  type: "object",
  properties: {
    tool: { type: "string" },
    arguments: { type: "object" },
    decision: { type: "string", enum: ["approve", "cancel"] },
  },
  required: ["tool", "arguments", "decision"],
} as const;

/** The helper's tools/list entry, when TARGETS (the confirmable tools exposed here) is not empty. */
export function decideToolEntry(targets: readonly string[]): Tool | undefined {
  if (targets.length === 0) return undefined;
  return {
    name: DECIDE_TOOL,
    title: "Approve or cancel a preview",
    description: `Plan review App only: approve reruns ${targets.join("/")} with the preview's confirm token; cancel voids it.`,
    inputSchema: LISTED_INPUT as unknown as Tool["inputSchema"],
    annotations: DESTRUCTIVE,
    _meta: uiToolMeta(PLAN_APP_URI, ["app"]),
  };
}

/** What the helper needs from the server: the real tool call and the gate's token revocation. */
export interface DecideEnv {
  /** Runs a tool exactly as tools/call does; undefined when this server does not expose it. */
  run(name: string, args: Record<string, unknown>): Promise<CallToolResult> | undefined;
  /** Voids TOOL's preview token; "void" when done, else why not. */
  revoke(tool: string, token: string): Promise<"void" | "invalid" | "unavailable">;
}

/** Runs the helper: Approve or Cancel of one preview. */
export async function runDecide(raw: unknown, env: DecideEnv): Promise<CallToolResult> {
  inputJson ??= toJsonSchema(Input, "input");
  const parsed = parseArguments(Input, inputJson, raw);
  if (!parsed.ok) return argumentErrorResult(DECIDE_TOOL, parsed.issues, raw);
  const { tool, arguments: args, decision } = parsed.value;
  if (!(CONFIRMABLE as readonly string[]).includes(tool)) {
    return refusal(
      `${tool} has no preview to approve; only ${CONFIRMABLE.join(", ")} do.`,
      `call ${tool} directly; it needs no approval.`,
    );
  }
  const token = args.confirm;
  if (typeof token !== "string" || token === "") {
    return refusal(
      "arguments.confirm must be the preview's confirm token.",
      `call ${tool} without confirm for a preview, then decide with its confirm token.`,
    );
  }
  if (decision === "approve") {
    const result = env.run(tool, args);
    if (!result) {
      return refusal(
        `${tool} is not enabled on this server.`,
        "ask the user to enable the tool's toolset (--toolsets or WEAVZ_TOOLSETS).",
      );
    }
    return decorate(tool, args, await result);
  }
  const outcome = await env.revoke(tool, token);
  const summary =
    outcome === "void"
      ? `The user cancelled in the plan review: nothing was changed, and the preview's confirm token for ${tool} is void. Do not retry unless the user asks again.`
      : outcome === "invalid"
        ? `The user cancelled in the plan review. The confirm token was already used, had expired, or is not valid, so it could not be voided: check the workspace (list_workspace_integrations) before saying that nothing changed.`
        : "The user cancelled in the plan review, but the shared confirmation store is unreachable, so the token could not be voided (nothing was changed by this cancel).";
  return decorate(
    tool,
    args,
    successResult({ summary, data: { cancelled: true, tool, tokenVoided: outcome === "void" } }),
  );
}

/** A refusal in the shape every failure has (head, next step, masked): results/render.ts. */
function refusal(why: string, next: string): CallToolResult {
  return render({ head: `Error INVALID_ARGUMENTS: ${DECIDE_TOOL}: ${why}`, lines: [], next });
}

/**
 * Adds the plan review's data to a confirmable tool's result, for clients that render Apps:
 * which tool it was, its arguments (for Approve), and for a plan its full steps (the preview
 * itself lists only the destructive ones). `_meta` is not model context, and `content` and
 * `structuredContent` stay exactly as without Apps.
 */
export function decorate(tool: string, rawArgs: unknown, result: CallToolResult): CallToolResult {
  if (result.isError || !(CONFIRMABLE as readonly string[]).includes(tool)) return result;
  const args = argsObject(rawArgs);
  const { confirm: _token, ...rest } = args;
  const view: Record<string, unknown> = { tool, arguments: rest };
  if (tool === "apply_workspace_plan") {
    const plan = planOf(rest);
    if (plan) {
      const { desired: _desired, ...steps } = plan;
      view.plan = steps;
    }
  }
  return { ...result, _meta: { ...result._meta, [VIEW_META_KEY]: view } };
}

function argsObject(raw: unknown): Record<string, unknown> {
  let value = raw;
  if (typeof raw === "string") {
    try {
      value = JSON.parse(raw);
    } catch {
      return {};
    }
  }
  return value && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function planOf(args: Record<string, unknown>) {
  if (typeof args.planId === "string") return PLANS.get(args.planId);
  const parsed = PlanSchema.safeParse(args.plan);
  return parsed.success ? parsed.data : undefined;
}
