import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { Protocol } from "@modelcontextprotocol/sdk/shared/protocol.js";
import {
  type CallToolResult,
  ListToolsRequestSchema,
  type Tool,
} from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import type { WeavzApi } from "../api/types.js";
import type { Logger } from "../log.js";
import { VERSION } from "../version.js";
import { buildToolSet, type RegisteredTool } from "./registry.js";
import { argumentErrorResult, errorToResult, successResult } from "./results.js";
import { parseArguments } from "./schema.js";
import type { ToolContext } from "./tool.js";

/** What one MCP server instance needs; shared by every session of a process. */
export interface ServerDeps {
  api: WeavzApi;
  log: Logger;
  defaultWorkspaceId?: string | undefined;
  readOnly?: boolean;
  /** Called after a tool changed a workspace's integrations. */
  onChange?: (workspaceId: string) => void;
}

/**
 * tools/call with `arguments` left open: some clients send them as a JSON string, which the
 * SDK's own schema rejects before any handler runs. Our handler validates them per tool.
 */
const LooseCallToolRequestSchema = z.object({
  method: z.literal("tools/call"),
  params: z.looseObject({ name: z.string(), arguments: z.unknown().optional() }),
});

const INSTRUCTIONS = `Manage Weavz workspace integrations. Typical flow: list_workspaces → list_workspace_integrations → search_catalog / get_catalog_integration (exact integration and action names, settings blocks) → list_connections (connectionId) → create/update/delete_workspace_integration. Every error says what to do next.`;

/**
 * Builds the per-process parts once (schemas, tool list); `connect` then makes one SDK
 * Server per session. The tools/list answer is computed once and reused.
 */
export function createServerFactory(deps: ServerDeps): {
  newServer(): Server;
  tools: RegisteredTool[];
} {
  const tools = buildToolSet({ readOnly: deps.readOnly === true });
  const byName = new Map(tools.map((t) => [t.def.name, t]));
  const listed: Tool[] = tools.map((t) => ({
    name: t.def.name,
    title: t.def.title,
    description: t.def.description,
    inputSchema: t.inputJson,
    outputSchema: t.outputJson,
    annotations: t.def.annotations,
  }));
  const onChange = deps.onChange ?? (() => {});

  const newServer = (): Server => {
    const server = new Server(
      { name: "weavz-mcp", title: "Weavz integrations", version: VERSION },
      { capabilities: { tools: { listChanged: false } }, instructions: INSTRUCTIONS },
    );
    server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: listed }));
    // Registered through Protocol's method, past Server's tools/call wrapper: that wrapper
    // re-parses the request with the strict schema (rejecting string arguments) and
    // re-validates every result we build ourselves.
    Protocol.prototype.setRequestHandler.call(
      server,
      LooseCallToolRequestSchema,
      async (req, extra): Promise<CallToolResult> => {
        const tool = byName.get(req.params.name);
        if (!tool) {
          return {
            isError: true,
            content: [
              {
                type: "text",
                text: `Unknown tool "${req.params.name}". Available: ${tools.map((t) => t.def.name).join(", ")}.`,
              },
            ],
          };
        }
        const parsed = parseArguments(tool.def.input, tool.inputJson, req.params.arguments);
        if (!parsed.ok) return argumentErrorResult(tool.def.name, parsed.issues);
        const ctx: ToolContext = {
          api: deps.api,
          defaultWorkspaceId: deps.defaultWorkspaceId,
          signal: extra.signal,
          log: deps.log,
          changed: onChange,
        };
        try {
          return successResult(await tool.def.handler(parsed.value, ctx));
        } catch (err) {
          return errorToResult(err, deps.log, tool.def.name);
        }
      },
    );
    return server;
  };
  return { newServer, tools };
}
