import type {
  CallToolResult,
  ClientCapabilities,
  Server,
  ServerContext,
  Tool,
} from "@modelcontextprotocol/server";
import type { Logger } from "../log.js";
import type { Apps } from "./apps/index.js";
import type { CatalogReader } from "./catalog-cache.js";
import { assertClientCapabilities, requestCapabilities } from "./client-capabilities.js";
import type { Confirmations } from "./confirm.js";
import { type RegisteredTool, unavailableToolMessage } from "./inventory.js";
import { findCandidates } from "./recover.js";
import { argumentErrorResult, errorToResult, unknownToolResult } from "./results/errors.js";
import { type ResultOptions, successResult } from "./results/success.js";
import { parseArguments } from "./schema.js";
import type { ScopedAuthInfo } from "./scope.js";
import type { ToolContext } from "./tool.js";

/** What the tools/call handler needs, built once per process (see createServerFactory). */
export interface ToolRunnerDeps {
  tools: readonly RegisteredTool[];
  /** The tools/list entries of `tools` (see listedTools). */
  listed: readonly Tool[];
  /** In-chat views (MCP Apps): links on tools and results, the App's helper tool. */
  apps: Apps;
  log: Logger;
  results: ResultOptions;
  confirmations: Confirmations;
  catalog: CatalogReader;
  /** The handler context for a caller: the API through its workspace limit. */
  toolContext(
    authInfo: ScopedAuthInfo | undefined,
    signal: AbortSignal,
    progress?: ToolContext["progress"],
    client?: ClientIdentity,
  ): ToolContext;
}

/** Who the calling client says it is: the 2026 envelope, else the 2025 handshake. */
export interface ClientIdentity {
  envelope?: Record<string, unknown> | undefined;
  handshake?: ReturnType<Server["getClientVersion"]>;
}

/** The identity a request's client gives (the journal records its name). */
export function clientIdentity(server: Server, mcpCtx: ServerContext): ClientIdentity {
  return {
    envelope: mcpCtx.mcpReq.envelope as Record<string, unknown> | undefined,
    handshake: server.getClientVersion(),
  };
}

/**
 * The arguments as the client sent them. The host's JSON-RPC guard (src/host/jsonrpc-guard.ts)
 * decodes `arguments` sent as a JSON string before the SDK's tools/call wrapper validates the
 * request; a value it cannot decode into an object it moves to this `_meta` key, so the tool
 * answers it with its own argument advice instead of the wrapper's -32602. Same literal as
 * the guard's UNDECODED_ARGUMENTS_META_KEY (the MCP layer does not import the host).
 */
const UNDECODED_ARGUMENTS_META_KEY = "jsonrpc-guard/undecodedArguments";

function toolArguments(params: { arguments?: unknown; _meta?: Record<string, unknown> }): unknown {
  const meta = params._meta;
  return meta && UNDECODED_ARGUMENTS_META_KEY in meta
    ? meta[UNDECODED_ARGUMENTS_META_KEY]
    : params.arguments;
}

/** notifications/progress for this call, when the client asked for them with a progressToken. */
function progressReporter(mcpCtx: ServerContext): ToolContext["progress"] {
  const token = mcpCtx.mcpReq._meta?.progressToken;
  if (token === undefined) return undefined;
  return async (progress, total, message) => {
    await mcpCtx.mcpReq
      .notify({
        method: "notifications/progress",
        params: { progressToken: token, progress, total, message },
      })
      .catch(() => {});
  };
}

/** The tools/list entries, computed once and reused. */
export function listedTools(tools: readonly RegisteredTool[]): Tool[] {
  return tools.map((t) => ({
    name: t.def.name,
    title: t.def.title,
    description: t.def.description,
    inputSchema: t.inputJson as Tool["inputSchema"],
    outputSchema: t.outputJson as Tool["outputSchema"],
    annotations: t.def.annotations,
  }));
}

/**
 * tools/list and tools/call for server instances, registered through the SDK's own
 * `setRequestHandler`: its tools/call wrapper (request and result validation, the
 * input_required seam with requestState verification and the 2025 shim) runs as designed.
 */
export function createToolHandlers(deps: ToolRunnerDeps) {
  const { tools, confirmations } = deps;
  const byName = new Map(tools.map((t) => [t.def.name, t]));
  const { listed, apps } = deps;

  /** One call of a found tool: arguments, the confirmation gate, the handler, the result. */
  const runTool = async (
    tool: RegisteredTool,
    rawArgs: unknown,
    ctx: ToolContext,
    mcpCtx: ServerContext,
    capabilities: () => ClientCapabilities | undefined,
  ): Promise<CallToolResult> => {
    const parsed = parseArguments(tool.def.input, tool.inputJson, rawArgs);
    if (!parsed.ok) return argumentErrorResult(tool.def.name, parsed.issues, rawArgs);
    try {
      if (tool.def.confirm) {
        const gate = await confirmations.gate(
          tool.def,
          tool.def.confirm,
          parsed.value,
          ctx,
          mcpCtx,
          capabilities,
        );
        if (!gate.proceed) return gate.result;
      }
      return successResult(await tool.def.handler(parsed.value, ctx), deps.results);
    } catch (err) {
      const args = parsed.value as Record<string, unknown>;
      const candidates = await findCandidates(err, args, ctx, deps.catalog);
      return errorToResult(err, deps.log, tool.def.name, tool.def, args, candidates);
    }
  };

  /** Registers tools/list and tools/call on one instance serving `era`. */
  return (server: Server, era: "legacy" | "modern"): void => {
    const declaredOf = (ctx: ServerContext) =>
      requestCapabilities(ctx, () => server.getClientCapabilities());
    server.setRequestHandler("tools/list", async (_req, ctx) => ({
      tools: (apps.renders(declaredOf(ctx)) ? apps.tools : listed) as Tool[],
    }));
    // SDK hook wanted: a way for a server whose results are typed where they are built to skip
    // the wrapper's per-call zod validation of the request and result. Measured over HTTP
    // (bench section 6, this build against itself with that validation cut out of dist): 1.20×
    // server CPU per call, 0.90× calls/s. It is the whole of our HTTP gap to the build that
    // overrode the wrapper (issue 17), so we pay it rather than route around the SDK. Part of
    // it is the content-block union: a resource_link block is tried as text, image and audio
    // first (WEAVZ_RESULT_LINKS=false cuts server CPU per call by 8%).
    server.setRequestHandler("tools/call", async (req, mcpCtx): Promise<CallToolResult> => {
      const { params } = req;
      const capabilities = () => declaredOf(mcpCtx);
      const withApps = apps.renders(capabilities());
      const tool = byName.get(params.name);
      // A token limited to some workspaces sees the API through that limit.
      const ctx = deps.toolContext(
        mcpCtx.http?.authInfo,
        mcpCtx.mcpReq.signal,
        progressReporter(mcpCtx),
        clientIdentity(server, mcpCtx),
      );
      const args = toolArguments(params);
      if (withApps && !tool) {
        // The plan review App's Approve/Cancel: the previewed tool through the same gate.
        const run = (name: string, a: unknown) => {
          const target = byName.get(name);
          return target && runTool(target, a, ctx, mcpCtx, capabilities);
        };
        const revoke = (name: string, token: string) => confirmations.revoke(name, token, mcpCtx);
        const decided = apps.call(params.name, args, { run, revoke });
        if (decided) return decided;
      }
      if (!tool) {
        const why = unavailableToolMessage(params.name, tools);
        return unknownToolResult(params.name, [...byName.keys()], why);
      }
      // Checked first: no argument fix helps when the client itself lacks the capability.
      if (tool.def.needsClientCapabilities) {
        assertClientCapabilities(
          tool.def.name,
          tool.def.needsClientCapabilities,
          capabilities(),
          era,
        );
      }
      const result = await runTool(tool, args, ctx, mcpCtx, capabilities);
      return withApps ? apps.decorate(tool.def.name, args, result) : result;
    });
  };
}
