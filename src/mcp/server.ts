import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { Protocol } from "@modelcontextprotocol/sdk/shared/protocol.js";
import {
  type CallToolResult,
  CompleteRequestSchema,
  ErrorCode,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  SubscribeRequestSchema,
  type Tool,
  UnsubscribeRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import type { WeavzApi } from "../api/types.js";
import type { Logger } from "../log.js";
import { VERSION } from "../version.js";
import { buildToolSet, type RegisteredTool, unavailableToolMessage } from "./registry.js";
import {
  parseResourceUri,
  RESOURCE_TEMPLATES,
  readResource,
  WORKSPACES_RESOURCE,
  workspaceUris,
} from "./resources/catalog.js";
import { type HubOptions, ResourceHub } from "./resources/hub.js";
import { argumentErrorResult, errorToResult, successResult } from "./results.js";
import { parseArguments } from "./schema.js";
import type { ToolContext } from "./tool.js";
import type { ToolsetName } from "./toolsets.js";

/** What one MCP server instance needs; shared by every session of a process. */
export interface ServerDeps {
  api: WeavzApi;
  log: Logger;
  defaultWorkspaceId?: string | undefined;
  readOnly?: boolean;
  /** Toolsets to expose; omitted = all. */
  toolsets?: readonly ToolsetName[];
  /** Change-feed tuning (tests shorten it). */
  hub?: HubOptions;
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
  hub: ResourceHub;
} {
  const tools = buildToolSet({ readOnly: deps.readOnly === true, toolsets: deps.toolsets });
  const byName = new Map(tools.map((t) => [t.def.name, t]));
  const listed: Tool[] = tools.map((t) => ({
    name: t.def.name,
    title: t.def.title,
    description: t.def.description,
    inputSchema: t.inputJson,
    outputSchema: t.outputJson,
    annotations: t.def.annotations,
  }));
  const hub = new ResourceHub(deps.api, deps.log, deps.hub);
  const onChange = (workspaceId: string) => hub.changed(workspaceId);

  const newServer = (): Server => {
    const server = new Server(
      { name: "weavz-mcp", title: "Weavz integrations", version: VERSION },
      {
        capabilities: {
          tools: { listChanged: false },
          resources: { subscribe: true, listChanged: true },
          completions: {},
        },
        instructions: INSTRUCTIONS,
      },
    );
    hub.attach(server);
    server.onclose = () => hub.detach(server);
    registerResourceHandlers(server, deps, hub);
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
            content: [{ type: "text", text: unavailableToolMessage(req.params.name, tools) }],
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
  return { newServer, tools, hub };
}

/** A failed resource request as a JSON-RPC error carrying the same advice as a tool error. */
function asMcpError(err: unknown, deps: ServerDeps, what: string): McpError {
  const text = (errorToResult(err, deps.log, what).content[0] as { text: string }).text;
  return new McpError(ErrorCode.InvalidParams, text);
}

/** resources/*, subscriptions and completion of `workspaceId` in resource templates. */
function registerResourceHandlers(server: Server, deps: ServerDeps, hub: ResourceHub): void {
  const { api } = deps;
  const refOf = (uri: string) => {
    const ref = parseResourceUri(uri);
    if (!ref) {
      throw new McpError(
        ErrorCode.InvalidParams,
        `Unknown resource ${uri}. Resources: weavz://workspaces, weavz://workspaces/{workspaceId}/integrations, weavz://workspaces/{workspaceId}/mcp-tools.`,
      );
    }
    return ref;
  };
  server.setRequestHandler(ListResourcesRequestSchema, async (_req, extra) => {
    const { workspaces } = await api.listWorkspaces({ limit: 100 }, { signal: extra.signal });
    const perWorkspace = workspaces.flatMap((w) => {
      const [integrations, tools] = workspaceUris(w.id) as [string, string];
      return [
        {
          uri: integrations,
          name: `${w.slug}-integrations`,
          title: `${w.name}: integrations`,
          mimeType: "application/json",
        },
        {
          uri: tools,
          name: `${w.slug}-mcp-tools`,
          title: `${w.name}: MCP server tools`,
          mimeType: "application/json",
        },
      ];
    });
    return { resources: [WORKSPACES_RESOURCE, ...perWorkspace] };
  });
  server.setRequestHandler(ListResourceTemplatesRequestSchema, async () => ({
    resourceTemplates: [...RESOURCE_TEMPLATES],
  }));
  server.setRequestHandler(ReadResourceRequestSchema, async (req, extra) => {
    const ref = refOf(req.params.uri);
    try {
      const data = await readResource(api, ref, extra.signal);
      return {
        contents: [{ uri: ref.uri, mimeType: "application/json", text: JSON.stringify(data) }],
      };
    } catch (err) {
      throw asMcpError(err, deps, `resources/read ${ref.uri}`);
    }
  });
  server.setRequestHandler(SubscribeRequestSchema, async (req) => {
    const ref = refOf(req.params.uri);
    try {
      await hub.subscribe(server, ref.uri);
    } catch (err) {
      throw asMcpError(err, deps, `resources/subscribe ${ref.uri}`);
    }
    return {};
  });
  server.setRequestHandler(UnsubscribeRequestSchema, async (req) => {
    hub.unsubscribe(server, req.params.uri);
    return {};
  });
  server.setRequestHandler(CompleteRequestSchema, async (req, extra) => {
    const { ref, argument } = req.params;
    if (ref.type !== "ref/resource" || argument.name !== "workspaceId") {
      return { completion: { values: [], hasMore: false } };
    }
    const { workspaces } = await api.listWorkspaces({ limit: 100 }, { signal: extra.signal });
    const prefix = argument.value.toLowerCase();
    const values = workspaces
      .filter(
        (w) =>
          w.id.toLowerCase().startsWith(prefix) ||
          w.slug.toLowerCase().startsWith(prefix) ||
          w.name.toLowerCase().startsWith(prefix),
      )
      .map((w) => w.id);
    return {
      completion: {
        values: values.slice(0, 100),
        total: values.length,
        hasMore: values.length > 100,
      },
    };
  });
}
