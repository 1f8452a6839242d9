import {
  type CallToolResult,
  type ClientCapabilities,
  type Implementation,
  InMemoryServerEventBus,
  ProtocolError,
  ProtocolErrorCode,
  Server,
  type ServerContext,
  type ServerEventBus,
  type StandardSchemaV1,
  type Tool,
} from "@modelcontextprotocol/server";
import { apiJournal, attributedApi } from "../api/journal.js";
import type { WeavzApi } from "../api/types.js";
import type { Actor, ChangeJournal } from "../domain/journal.js";
import type { Logger } from "../log.js";
import type { ToolsetName } from "../toolsets.js";
import { VERSION } from "../version.js";
import { actorOf } from "./actor.js";
import { type Apps, createApps } from "./apps/index.js";
import { createCatalogCache } from "./catalog-cache.js";
import { assertClientCapabilities, requestCapabilities } from "./client-capabilities.js";
import { createCompleter } from "./completions.js";
import { type ConfirmStore, createConfirmations, type Peer } from "./confirm.js";
import { registerPromptHandlers } from "./prompts/register.js";
import { findCandidates } from "./recover.js";
import {
  buildFixtureSet,
  buildPromptSet,
  buildToolSet,
  type RegisteredTool,
  unavailableToolMessage,
} from "./registry.js";
import { UriParamsSchema } from "./request-params.js";
import {
  parseResourceUri,
  RESOURCE_TEMPLATES,
  readResource,
  WORKSPACES_RESOURCE,
  workspaceUris,
} from "./resources/catalog.js";
import { type HubOptions, ResourceHub } from "./resources/hub.js";
import {
  argumentErrorResult,
  errorToProtocolError,
  errorToResult,
  unknownToolResult,
} from "./results/errors.js";
import { successResult } from "./results/success.js";
import { parseArguments } from "./schema.js";
import { assertWorkspaceAllowed, scopedApi, scopedDefaultWorkspace, scopeOf } from "./scope.js";
import type { ToolContext } from "./tool.js";

/** What one MCP server instance needs; shared by every session of a process. */
export interface ServerDeps {
  api: WeavzApi;
  log: Logger;
  defaultWorkspaceId?: string | undefined;
  readOnly?: boolean;
  /** Attach resource_link blocks to results (default true; --result-links). */
  resultLinks?: boolean;
  /** Toolsets to expose; omitted = all. */
  toolsets?: readonly ToolsetName[];
  /** Change-feed tuning (tests shorten it). */
  hub?: HubOptions;
  /** Where resource changes are published; in-process unless another transport shares one. */
  bus?: ServerEventBus;
  /**
   * The confirmation gate's key and spent-token record; in-process unless replicas share one
   * (--redis-url with a state secret: src/scale/confirm-store.ts).
   */
  confirmStore?: ConfirmStore;
  /**
   * Who keeps the change journal: the local API (every change), or this process in hosted
   * mode (only its own changes). Default "local-api".
   */
  historyKind?: ChangeJournal["kind"];
  /**
   * The principal of a call that brings no authentication: the local user on stdio, unknown on
   * unauthenticated HTTP (the default).
   */
  localPrincipal?: Actor["principal"];
  /**
   * Also register the official conformance suite's fixture tools (fixtures/index.ts); set
   * by WEAVZ_CONFORMANCE_FIXTURES=1 for scripts/conformance.mjs, never by default.
   */
  conformanceFixtures?: boolean;
  /** In-chat views (MCP Apps, src/mcp/apps) for clients that render them (default true). */
  apps?: boolean;
}

/**
 * Serves tools/call params without an SDK request context, or answers undefined when the
 * call needs one (see createServerFactory). `signal` aborts the call.
 */
export type DirectToolCall = (
  params: unknown,
  signal: AbortSignal,
) => Promise<CallToolResult> | undefined;

/** Which protocol era an instance serves and whether it delivers changes itself. */
export interface NewServerOptions {
  /** 2025-11-25 (`initialize`, sessions) or 2026-07-28 (stateless, per-request `_meta`). */
  era?: "legacy" | "modern";
  /**
   * Whether this instance sends change notifications on its own connection: true for a
   * 2025 session and for a stdio connection of either era (serveStdio routes the instance's
   * notifications onto its listen streams); false for a per-request 2026 HTTP instance,
   * whose listen streams the HTTP handler serves straight from the bus.
   */
  deliver?: boolean;
}

/**
 * tools/call params with `arguments` left open: some clients send them as a JSON string, which
 * the SDK's own schema rejects before any handler runs. Our handler validates them per tool.
 * A Standard Schema written out rather than a zod object: it runs on every call, and two
 * field checks by hand cost a fraction of a zod parse.
 */
const LooseCallToolParams: StandardSchemaV1<unknown, CallParams> = {
  "~standard": {
    version: 1,
    vendor: "weavz-mcp",
    validate(value) {
      if (!value || typeof value !== "object" || Array.isArray(value)) {
        return { issues: [{ message: "params must be an object" }] };
      }
      const name = (value as { name?: unknown }).name;
      if (typeof name !== "string") {
        return { issues: [{ message: "name must be a string", path: ["name"] }] };
      }
      return { value: value as CallParams };
    },
  },
};
interface CallParams {
  name: string;
  arguments?: unknown;
  [key: string]: unknown;
}

/**
 * The SDK's low-level Server, minus its tools/call wrapper: that wrapper re-validates the
 * request against the strict wire schema (rejecting string `arguments` even in the 3-arg
 * registration form) and re-validates every result we already build to the schema, which
 * costs latency on the hottest path. Every other method keeps the SDK's wrapping.
 */
class WeavzServer extends Server {
  protected override _wrapHandler(
    method: string,
    handler: Parameters<Server["_wrapHandler"]>[1],
  ): ReturnType<Server["_wrapHandler"]> {
    return method === "tools/call" ? handler : super._wrapHandler(method, handler);
  }
}

const INSTRUCTIONS = `Manage Weavz workspace integrations. Typical flow: list_workspaces → list_workspace_integrations → search_catalog / get_catalog_integration (exact integration and action names, settings blocks) → list_connections (connectionId) → create/update/delete_workspace_integration. Every error says what to do next.`;

/**
 * Builds the per-process parts once (schemas, tool list, change hub); `newServer` then makes
 * one SDK Server per 2025 session, stdio connection or 2026 HTTP request. The tools/list
 * answer is computed once and reused.
 */
export function createServerFactory(deps: ServerDeps): {
  newServer(opts?: NewServerOptions): Server;
  directToolCall: DirectToolCall;
  tools: RegisteredTool[];
  hub: ResourceHub;
} {
  const filter = { readOnly: deps.readOnly === true, toolsets: deps.toolsets };
  const tools = buildToolSet(filter);
  if (deps.conformanceFixtures === true) tools.push(...buildFixtureSet());
  const prompts = buildPromptSet(filter);
  // One kept catalog for completion and for "did you mean …?" after a failed call.
  const catalog = createCatalogCache();
  const completer = createCompleter(deps.defaultWorkspaceId, catalog);
  const byName = new Map(tools.map((t) => [t.def.name, t]));
  const listed: Tool[] = tools.map((t) => ({
    name: t.def.name,
    title: t.def.title,
    description: t.def.description,
    inputSchema: t.inputJson as Tool["inputSchema"],
    outputSchema: t.outputJson as Tool["outputSchema"],
    annotations: t.def.annotations,
  }));
  const apps = createApps(deps.apps !== false, listed);
  const hub = new ResourceHub(
    deps.api,
    deps.log,
    deps.bus ?? new InMemoryServerEventBus(),
    deps.hub,
  );
  const resultOptions = { links: deps.resultLinks !== false };
  const onChange = (workspaceId: string) => hub.changed(workspaceId);
  const confirmations = createConfirmations({
    results: resultOptions,
    log: deps.log,
    ...(deps.confirmStore ? { store: deps.confirmStore } : {}),
  });
  const localPrincipal = deps.localPrincipal ?? { kind: "unknown", label: null };
  /**
   * What handlers get: the API through the caller's workspace limit (none without auth),
   * attributing every write to the caller (its MCP client and principal) for the journal.
   */
  const toolContext = (
    authInfo: Parameters<typeof scopeOf>[0],
    signal: AbortSignal,
    progress?: ToolContext["progress"],
    client?: { envelope?: Record<string, unknown> | undefined; handshake?: Implementation },
  ): ToolContext => {
    const scope = scopeOf(authInfo);
    const actor = actorOf(
      authInfo as { extra?: Record<string, unknown> } | undefined,
      client?.envelope,
      client?.handshake,
      localPrincipal,
    );
    const api = attributedApi(scopedApi(deps.api, scope), actor);
    return {
      api,
      journal: apiJournal(api, deps.historyKind ?? "local-api", { signal }),
      actor,
      defaultWorkspaceId: scopedDefaultWorkspace(scope, deps.defaultWorkspaceId),
      signal,
      log: deps.log,
      changed: onChange,
      ...(progress ? { progress } : {}),
    };
  };

  /**
   * One tools/call after the tool is found and its client capabilities checked: arguments,
   * the confirmation gate (only with a session to ask through), the handler, and the result
   * or error as the model reads it. Shared by the SDK handler and {@link directToolCall}.
   */
  const runTool = async (
    tool: RegisteredTool,
    rawArgs: unknown,
    ctx: ToolContext,
    session?: { mcpCtx: ServerContext; peer: Peer },
  ): Promise<CallToolResult> => {
    const parsed = parseArguments(tool.def.input, tool.inputJson, rawArgs);
    if (!parsed.ok) return argumentErrorResult(tool.def.name, parsed.issues, rawArgs);
    try {
      if (tool.def.confirm) {
        // directToolCall never takes a confirmed tool, so a session is always here.
        if (!session) throw new Error(`${tool.def.name} needs a session to confirm through`);
        const gate = await confirmations.gate(
          tool.def,
          tool.def.confirm,
          parsed.value,
          ctx,
          session.mcpCtx,
          session.peer,
        );
        if (!gate.proceed) return gate.result;
      }
      return successResult(await tool.def.handler(parsed.value, ctx), resultOptions);
    } catch (err) {
      const args = parsed.value as Record<string, unknown>;
      const candidates = await findCandidates(err, args, ctx, catalog);
      return errorToResult(err, deps.log, tool.def.name, tool.def, args, candidates);
    }
  };

  /**
   * tools/call without the SDK's request machinery, for a 2025 stdio connection that is past
   * `initialize` (transports/stdio.ts decides when). Measured with bench/mcp.mjs: the SDK's
   * era router, guards, request context and response path cost about 160 µs of CPU and
   * 0.11 ms of stdio latency per call, a third of this server's work on a list. Undefined
   * (the SDK serves it as usual) when the call needs the session: an unknown tool, a tool
   * that confirms by elicitation or checks client capabilities, a progress token, or params
   * not of the plain shape. Results are the same function's either way (runTool).
   */
  const directToolCall: DirectToolCall = (params, signal) => {
    if (!params || typeof params !== "object" || Array.isArray(params)) return undefined;
    const { name, _meta: meta } = params as { name?: unknown; _meta?: unknown };
    if (typeof name !== "string") return undefined;
    if (
      meta !== undefined &&
      (meta === null || typeof meta !== "object" || "progressToken" in meta)
    ) {
      return undefined;
    }
    const tool = byName.get(name);
    // Writes go through the SDK: the journal records the client's name from the session.
    if (
      !tool ||
      tool.def.confirm ||
      tool.def.needsClientCapabilities ||
      !tool.def.annotations.readOnlyHint
    )
      return undefined;
    const args = (params as { arguments?: unknown }).arguments;
    return runTool(tool, args, toolContext(undefined, signal));
  };

  const newServer = (opts: NewServerOptions = {}): Server => {
    const era = opts.era ?? "legacy";
    const server = new WeavzServer(
      { name: "weavz-mcp", title: "Weavz integrations", version: VERSION },
      {
        capabilities: {
          tools: { listChanged: false },
          prompts: { listChanged: false },
          resources: { subscribe: true, listChanged: true },
          completions: {},
        },
        instructions: INSTRUCTIONS,
      },
    );
    if (opts.deliver !== false) {
      const off = hub.bus.subscribe((event) => {
        if (event.kind === "resource_updated") {
          // A 2025 session hears only what it subscribed to; on a 2026 stdio connection
          // serveStdio forwards to the listen streams that named the URI.
          if (era === "modern" || hub.isSubscribed(server, event.uri)) {
            server.sendResourceUpdated({ uri: event.uri }).catch(() => {});
          }
        } else if (event.kind === "resources_list_changed") {
          server.sendResourceListChanged().catch(() => {});
        }
      });
      server.onclose = () => {
        off();
        hub.detach(server);
      };
    }
    const declaredOf = (ctx: ServerContext) =>
      requestCapabilities(ctx, () => server.getClientCapabilities());
    registerResourceHandlers(server, deps, hub, apps, declaredOf);
    registerPromptHandlers(
      server,
      prompts,
      completer,
      (ctx) =>
        toolContext(ctx.http?.authInfo, ctx.mcpReq.signal, undefined, {
          envelope: ctx.mcpReq.envelope as Record<string, unknown> | undefined,
          handshake: server.getClientVersion(),
        }),
      deps.log,
    );
    server.setRequestHandler("tools/list", async (_req, ctx) => ({
      tools: apps.renders(declaredOf(ctx)) ? (apps.tools as Tool[]) : listed,
    }));
    server.setRequestHandler(
      "tools/call",
      { params: LooseCallToolParams },
      async (params, mcpCtx: ServerContext): Promise<CallToolResult> => {
        const declared = () => declaredOf(mcpCtx);
        const withApps = apps.renders(declared());
        const tool = byName.get(params.name);
        // A token limited to some workspaces sees the API through that limit.
        const ctx = toolContext(
          mcpCtx.http?.authInfo,
          mcpCtx.mcpReq.signal,
          progressReporter(mcpCtx),
          {
            envelope: mcpCtx.mcpReq.envelope as Record<string, unknown> | undefined,
            handshake: server.getClientVersion(),
          },
        );
        const session = { mcpCtx, peer: { era, capabilities: declared } };
        if (withApps && !tool) {
          // The plan review App's Approve/Cancel: the previewed tool through the same gate.
          const run = (name: string, args: unknown) => {
            const target = byName.get(name);
            return target && runTool(target, args, ctx, session);
          };
          const revoke = (name: string, token: string) => confirmations.revoke(name, token, mcpCtx);
          const decided = apps.call(params.name, params.arguments, { run, revoke });
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
            declared(),
            era,
          );
        }
        const result = await runTool(tool, params.arguments, ctx, session);
        return withApps ? apps.decorate(tool.def.name, params.arguments, result) : result;
      },
    );
    return server;
  };
  return { newServer, directToolCall, tools, hub };
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

/** resources/* and subscriptions (completion lives with the prompts: prompts/register.ts). */
function registerResourceHandlers(
  server: Server,
  deps: ServerDeps,
  hub: ResourceHub,
  apps: Apps,
  declaredOf: (ctx: ServerContext) => ClientCapabilities | undefined,
): void {
  // Each request is served through the caller's workspace limit (none without auth).
  const apiFor = (ctx: ServerContext) => scopedApi(deps.api, scopeOf(ctx.http?.authInfo));
  const refOf = (uri: string) => {
    const ref = parseResourceUri(uri);
    if (!ref) {
      throw new ProtocolError(
        ProtocolErrorCode.InvalidParams,
        `Unknown resource ${uri}. Resources: weavz://workspaces, weavz://workspaces/{workspaceId}/integrations, weavz://workspaces/{workspaceId}/mcp-tools, weavz://workspaces/{workspaceId}/history.`,
        { uri },
      );
    }
    return ref;
  };
  server.setRequestHandler("resources/list", async (_req, ctx) => {
    const { workspaces } = await apiFor(ctx).listWorkspaces(
      { limit: 100 },
      { signal: ctx.mcpReq.signal },
    );
    const perWorkspace = workspaces.flatMap((w) => {
      const [integrations, tools, history] = workspaceUris(w.id) as [string, string, string];
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
        {
          uri: history,
          name: `${w.slug}-history`,
          title: `${w.name}: change history`,
          mimeType: "application/json",
        },
      ];
    });
    const views = apps.renders(declaredOf(ctx)) ? apps.resources : [];
    return { resources: [WORKSPACES_RESOURCE, ...perWorkspace, ...views] };
  });
  server.setRequestHandler("resources/templates/list", async () => ({
    resourceTemplates: [...RESOURCE_TEMPLATES],
  }));
  server.setRequestHandler("resources/read", async (req, ctx) => {
    const view = apps.read(req.params.uri);
    if (view) return view;
    const ref = refOf(req.params.uri);
    try {
      const data = await readResource(apiFor(ctx), ref, ctx.mcpReq.signal);
      return {
        contents: [{ uri: ref.uri, mimeType: "application/json", text: JSON.stringify(data) }],
      };
    } catch (err) {
      // `data.uri` names the resource, as the spec asks of resource errors (SEP-2164).
      throw errorToProtocolError(err, deps.log, `resources/read ${ref.uri}`, { uri: ref.uri });
    }
  });
  server.setRequestHandler(
    "resources/subscribe",
    { params: UriParamsSchema },
    async (params, ctx) => {
      const ref = refOf(params.uri);
      try {
        if ("workspaceId" in ref)
          assertWorkspaceAllowed(scopeOf(ctx.http?.authInfo), ref.workspaceId);
        await hub.subscribe(server, ref.uri);
      } catch (err) {
        throw errorToProtocolError(err, deps.log, `resources/subscribe ${ref.uri}`, {
          uri: ref.uri,
        });
      }
      return {};
    },
  );
  server.setRequestHandler("resources/unsubscribe", { params: UriParamsSchema }, async (params) => {
    hub.unsubscribe(server, params.uri);
    return {};
  });
}
