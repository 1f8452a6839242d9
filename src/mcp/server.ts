import { InMemoryServerEventBus, Server, type ServerEventBus } from "@modelcontextprotocol/server";
import { apiJournal, attributedApi } from "../api/journal.js";
import type { WeavzApi } from "../api/types.js";
import type { Actor, ChangeJournal } from "../domain/journal.js";
import type { Logger } from "../log.js";
import type { ToolsetName } from "../toolsets.js";
import { VERSION } from "../version.js";
import { actorOf } from "./actor.js";
import { createApps } from "./apps/index.js";
import { createCatalogCache } from "./catalog-cache.js";
import { requestCapabilities } from "./client-capabilities.js";
import { createCompleter } from "./completions.js";
import { CONFIRM_TTL_SECONDS, type ConfirmStore, createConfirmations } from "./confirm.js";
import { buildInventory, type Inventory, type RegisteredTool } from "./inventory.js";
import { registerPromptHandlers } from "./prompts/register.js";
import { type HubOptions, ResourceHub } from "./resources/hub.js";
import { registerResourceHandlers } from "./resources/register.js";
import { type ScopedAuthInfo, scopedApi, scopedDefaultWorkspace, scopeOf } from "./scope.js";
import type { ToolContext } from "./tool.js";
import {
  type ClientIdentity,
  clientIdentity,
  createToolHandlers,
  listedTools,
} from "./tools-call.js";

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

const INSTRUCTIONS = `Manage Weavz workspace integrations. Typical flow: list_workspaces → list_workspace_integrations → search_catalog / get_catalog_integration (exact integration and action names, settings blocks) → list_connections (connectionId) → create/update/delete_workspace_integration. Every error says what to do next.`;

/**
 * Builds the per-process parts once (the filtered inventory, schemas, the tools/list answer,
 * the change hub, the confirmation gate); `newServer` then makes one SDK Server per 2025
 * session, stdio connection or 2026 HTTP request, with every primitive registered from the
 * inventory through the SDK's public API.
 */
export function createServerFactory(deps: ServerDeps): {
  newServer(opts?: NewServerOptions): Server;
  tools: RegisteredTool[];
  inventory: Inventory;
  hub: ResourceHub;
} {
  const filter = { readOnly: deps.readOnly === true, toolsets: deps.toolsets };
  const inventory = buildInventory(filter, { fixtures: deps.conformanceFixtures === true });
  // One kept catalog for completion and for "did you mean …?" after a failed call.
  const catalog = createCatalogCache();
  const completer = createCompleter(deps.defaultWorkspaceId, catalog);
  const hub = new ResourceHub(
    deps.api,
    deps.log,
    deps.bus ?? new InMemoryServerEventBus(),
    deps.hub ?? {},
    inventory.resources,
  );
  const results = { links: deps.resultLinks !== false };
  const onChange = (workspaceId: string) => hub.changed(workspaceId);
  const confirmations = createConfirmations({
    results,
    log: deps.log,
    ...(deps.confirmStore ? { store: deps.confirmStore } : {}),
  });
  const localPrincipal = deps.localPrincipal ?? { kind: "unknown", label: null };
  /**
   * What handlers get: the API through the caller's workspace limit (none without auth),
   * attributing every write to the caller (its MCP client and principal) for the journal.
   */
  const toolContext = (
    authInfo: ScopedAuthInfo | undefined,
    signal: AbortSignal,
    progress?: ToolContext["progress"],
    client?: ClientIdentity,
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
  const listed = listedTools(inventory.tools);
  const apps = createApps(deps.apps !== false, listed);
  const registerTools = createToolHandlers({
    tools: inventory.tools,
    listed,
    apps,
    log: deps.log,
    results,
    confirmations,
    catalog,
    toolContext,
  });

  const newServer = (opts: NewServerOptions = {}): Server => {
    const era = opts.era ?? "legacy";
    // SDK hook wanted: its Node entry imports and runs Ajv (~150 KB, ~20 ms of a Node 20 cold
    // start) for the default `jsonSchemaValidator` before any Server exists, even when one is
    // passed; a default built on first use would take that off every start.
    const server = new Server(
      { name: "weavz-mcp", title: "Weavz integrations", version: VERSION },
      {
        capabilities: {
          tools: { listChanged: false },
          prompts: { listChanged: false },
          resources: { subscribe: true, listChanged: true },
          completions: {},
        },
        instructions: INSTRUCTIONS,
        // The SDK verifies an echoed MRTR requestState before the handler runs (deny: -32602)
        // and hands the confirmation gate the opened state; on a 2025 connection its legacy
        // shim fulfils the same input_required answer with a real elicitation/create.
        requestState: { verify: confirmations.verifyState },
        inputRequired: { roundTimeoutMs: CONFIRM_TTL_SECONDS * 1000 },
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
    registerTools(server, era);
    const rendersApps = (ctx: Parameters<typeof requestCapabilities>[0]) =>
      apps.renders(requestCapabilities(ctx, () => server.getClientCapabilities()));
    registerResourceHandlers(server, {
      api: deps.api,
      log: deps.log,
      hub,
      inventory,
      // The in-chat views' ui:// resources, to clients that render MCP Apps.
      views: {
        list: (ctx) => (rendersApps(ctx) ? apps.resources : []),
        read: (uri) => apps.read(uri),
      },
    });
    registerPromptHandlers(
      server,
      inventory.prompts,
      inventory.resources,
      completer,
      (ctx) =>
        toolContext(ctx.http?.authInfo, ctx.mcpReq.signal, undefined, clientIdentity(server, ctx)),
      deps.log,
    );
    return server;
  };
  return { newServer, tools: inventory.tools, inventory, hub };
}
