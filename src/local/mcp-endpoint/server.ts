import {
  type CallToolResult,
  ProtocolError,
  ProtocolErrorCode,
  Server,
} from "@modelcontextprotocol/server";
import type { z } from "zod";
import type { Logger } from "../../log.js";
import { VERSION } from "../../version.js";
import { ApiError } from "../errors.js";
import { type CodeHost, runJavaScript } from "../execute/javascript.js";
import type { Store } from "../store/index.js";
import {
  CodeModeError,
  ExecuteArgsSchema,
  ReadApiArgsSchema,
  readApi,
  SearchArgsSchema,
  searchActions,
} from "./code-mode.js";
import type { ExecuteFn } from "./execute.js";
import type { ActionTarget, ToolSurface, ToolSurfaces } from "./tools.js";
import { failureText, NO_END_USER_HINT, needsEndUser } from "./wording.js";

/** What one endpoint's MCP server instances need. */
export interface EndpointDeps {
  store: Store;
  /** The servers' tool surfaces, current with the store. */
  surfaces: ToolSurfaces;
  execute: ExecuteFn;
  log: Logger;
}

const json = (value: unknown) => JSON.stringify(value, null, 2);

function ok(value: unknown): CallToolResult {
  const structured =
    typeof value === "object" && value !== null && !Array.isArray(value)
      ? { structuredContent: value as Record<string, unknown> }
      : {};
  return { content: [{ type: "text", text: json(value) }], ...structured };
}

function fail(text: string): CallToolResult {
  return { content: [{ type: "text", text }], isError: true };
}

function executionFailure(err: unknown, log: Logger, tool: string): CallToolResult {
  if (err instanceof ApiError) return fail(failureText(err, tool));
  // Not a failure the engine meant to report: the log gets the message, the model no internals.
  log.error("MCP endpoint: action failed unexpectedly", {
    error: err instanceof Error ? err.message : String(err),
  });
  return fail(
    `Error INTERNAL_ERROR: the action failed unexpectedly; see the local API's log.\nNext step: call ${tool} again; if it fails again, tell the user.`,
  );
}

function parseArgs<S extends z.ZodType>(schema: S, args: unknown, tool: string): z.infer<S> {
  const r = schema.safeParse(args ?? {});
  if (r.success) return r.data;
  const issues = r.error.issues
    .map((i) => `${i.path.length ? i.path.join(".") : "(arguments)"}: ${i.message}`)
    .join("; ");
  throw new ProtocolError(
    ProtocolErrorCode.InvalidParams,
    `Invalid arguments for ${tool}: ${issues}`,
  );
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function runAction(
  deps: EndpointDeps,
  surface: ToolSurface,
  target: ActionTarget,
  input: Record<string, unknown>,
  signal?: AbortSignal,
) {
  return deps.execute(
    {
      integrationName: target.integration.integrationName,
      actionName: target.actionName,
      workspaceId: surface.server.workspaceId,
      workspaceIntegrationId: target.integration.id,
      input,
    },
    signal ? { signal } : {},
  );
}

async function callCodeTool(
  deps: EndpointDeps,
  surface: ToolSurface,
  name: string,
  args: unknown,
  signal: AbortSignal | undefined,
): Promise<CallToolResult> {
  const targets = [...surface.actions.values()];
  try {
    if (name === "weavz_search") {
      const a = parseArgs(SearchArgsSchema, args, name);
      return ok(searchActions(targets, a.query, a.limit));
    }
    if (name === "weavz_read_api") {
      const a = parseArgs(ReadApiArgsSchema, args, name);
      return ok(readApi(targets, a.alias, a.action));
    }
  } catch (err) {
    if (err instanceof CodeModeError)
      return fail(
        `Error ${err.code}: ${err.message}\nNext step: call weavz_search to find the alias and action, then weavz_read_api for its input fields.`,
      );
    throw err;
  }
  const a = parseArgs(ExecuteArgsSchema, args, name);
  const host: CodeHost = async (alias, action, input, callSignal) => {
    // Read fresh: code that runs for a while sees integrations added meanwhile.
    const now = deps.surfaces.get(surface.server.id);
    if (!now) throw { code: "NOT_FOUND", message: "This MCP server was deleted." };
    const all = [...now.actions.values()];
    const target = all.find((t) => t.integration.alias === alias && t.actionName === action);
    if (!target) {
      try {
        readApi(all, alias, action);
      } catch (e) {
        if (e instanceof CodeModeError) throw { code: e.code, message: e.message };
      }
      throw { code: "ACTION_NOT_FOUND", message: `weavz.${alias}.${action} is not available.` };
    }
    if (!isPlainObject(input)) {
      throw {
        code: "VALIDATION_ERROR",
        message: `weavz.${alias}.${action}(input): input must be an object of the action's fields; see weavz_read_api.`,
      };
    }
    try {
      return (await runAction(deps, now, target, input, callSignal)).output;
    } catch (err) {
      if (err instanceof ApiError) {
        throw {
          code: err.code,
          message: needsEndUser(err) ? `${err.message} ${NO_END_USER_HINT}` : err.message,
          details: err.details,
        };
      }
      deps.log.error("MCP endpoint: action failed unexpectedly", {
        error: err instanceof Error ? err.message : String(err),
      });
      throw {
        code: "INTERNAL_ERROR",
        message: "The action failed unexpectedly; see the local API's log.",
      };
    }
  };
  // The same QuickJS sandbox as the code built-ins (memory limit, timeout, queue), plus weavz.
  try {
    const out = await runJavaScript(a.code, {}, { timeoutSeconds: a.timeoutSeconds, signal, host });
    return ok({ result: out.result, logs: out.logs });
  } catch (err) {
    return executionFailure(err, deps.log, name);
  }
}

/**
 * A fresh low-level MCP server for one Weavz MCP server: tools/list and tools/call take the
 * surface current with the store on every request, so the tools always match the workspace's
 * integrations.
 */
export function buildEndpointServer(deps: EndpointDeps, serverId: string): Server {
  const initial = deps.store.mcpServers.get(serverId);
  const server = new Server(
    { name: `weavz-local/${initial?.name ?? serverId}`, version: VERSION },
    {
      capabilities: { tools: { listChanged: true } },
      instructions:
        initial?.mode === "CODE"
          ? "Find actions with weavz_search, read an action's inputs with weavz_read_api, then run JavaScript with weavz_execute that calls await weavz.<alias>.<action>(input)."
          : "Each tool runs one action of a workspace integration ({alias}__{action}).",
    },
  );
  const surface = (): ToolSurface => {
    const s = deps.surfaces.get(serverId);
    if (!s) {
      throw new ProtocolError(ProtocolErrorCode.InvalidRequest, "This MCP server was deleted.");
    }
    return s;
  };
  server.setRequestHandler("tools/list", async () => ({ tools: surface().tools }));
  server.setRequestHandler("tools/call", async (request, ctx) => {
    const s = surface();
    const { name, arguments: args } = request.params;
    const signal = ctx.mcpReq.signal;
    if (s.server.mode === "CODE") {
      if (!s.tools.some((t) => t.name === name)) {
        throw new ProtocolError(
          ProtocolErrorCode.InvalidParams,
          `Unknown tool "${name}"; this CODE-mode server offers weavz_search, weavz_read_api and weavz_execute.`,
        );
      }
      return callCodeTool(deps, s, name, args, signal);
    }
    const target = s.actions.get(name);
    if (!target) {
      throw new ProtocolError(
        ProtocolErrorCode.InvalidParams,
        `Unknown tool "${name}"; the workspace's integrations changed or the name is mistyped: call tools/list.`,
      );
    }
    try {
      const r = await runAction(deps, s, target, args ?? {}, signal);
      return ok(r.output);
    } catch (err) {
      return executionFailure(err, deps.log, name);
    }
  });
  return server;
}
