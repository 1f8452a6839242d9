import {
  ProtocolError,
  ProtocolErrorCode,
  type Server,
  type ServerContext,
} from "@modelcontextprotocol/server";
import type { Logger } from "../../log.js";
import type { Completer } from "../completions.js";
import { CompleteParamsSchema } from "../request-params.js";
import type { ResourceDef } from "../resources/resource.js";
import { errorToProtocolError } from "../results/errors.js";
import type { ToolContext } from "../tool.js";
import { promptArgumentProblem } from "./index.js";
import type { CompletionKind, PromptDef } from "./types.js";

/** Template variables that complete, by name (every template variable is a workspaceId today). */
const TEMPLATE_VARIABLES: Record<string, CompletionKind> = { workspaceId: "workspaceId" };

/**
 * prompts/list, prompts/get and completion/complete (prompt arguments and resource template
 * variables) for one server instance. Prompts are those the registry enabled.
 */
export function registerPromptHandlers(
  server: Server,
  prompts: readonly PromptDef[],
  resources: readonly ResourceDef[],
  completer: Completer,
  toolContext: (ctx: ServerContext) => ToolContext,
  log: Logger,
): void {
  const byName = new Map(prompts.map((p) => [p.name, p]));
  const listed = prompts.map((p) => ({
    name: p.name,
    title: p.title,
    description: p.description,
    arguments: p.arguments.map((a) => ({
      name: a.name,
      description: a.description,
      required: a.required,
    })),
  }));
  const unknown = (name: string) =>
    new ProtocolError(
      ProtocolErrorCode.InvalidParams,
      `Unknown prompt "${name}". Prompts here: ${[...byName.keys()].join(", ") || "none"}.`,
    );

  server.setRequestHandler("prompts/list", async () => ({ prompts: listed }));
  server.setRequestHandler("prompts/get", async (req, ctx) => {
    const def = byName.get(req.params.name);
    if (!def) throw unknown(req.params.name);
    const args = (req.params.arguments ?? {}) as Record<string, string>;
    const problem = promptArgumentProblem(def, args);
    if (problem) throw new ProtocolError(ProtocolErrorCode.InvalidParams, problem);
    try {
      return { description: def.description, messages: await def.build(args, toolContext(ctx)) };
    } catch (err) {
      // Same advice as a tool error (next step names a tool), as a JSON-RPC error.
      throw errorToProtocolError(err, log, `prompts/get ${def.name}`);
    }
  });

  server.setRequestHandler(
    "completion/complete",
    { params: CompleteParamsSchema },
    async (params, ctx) => {
      const { ref, argument } = params;
      let kind: CompletionKind | undefined;
      if (ref.type === "ref/prompt") {
        kind = byName.get(ref.name)?.arguments.find((a) => a.name === argument.name)?.complete;
      } else if (ref.type === "ref/resource") {
        const known = resources.some((r) => r.uri === ref.uri && r.uri.includes("{"));
        kind = known ? TEMPLATE_VARIABLES[argument.name] : undefined;
      }
      if (!kind) return { completion: { values: [], hasMore: false } };
      const context = params.context?.arguments ?? {};
      const tctx = toolContext(ctx);
      try {
        const completion = await completer.complete(
          tctx.api,
          kind,
          argument.value,
          context,
          ctx.mcpReq.signal,
        );
        return { completion: { ...completion } };
      } catch (err) {
        // A completion is a convenience: a failed read offers nothing rather than an error box.
        log.debug("completion failed", { kind, error: err instanceof Error ? err.message : "" });
        return { completion: { values: [], hasMore: false } };
      }
    },
  );
}
