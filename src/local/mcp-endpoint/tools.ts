import { createHash } from "node:crypto";
import type { CatalogAction, CatalogIntegration } from "../../domain/index.js";
import type { Catalog } from "../catalog.js";
import { deriveMcpTools } from "../mcp-tools.js";
import type { IntegrationRecord, McpServerRecord, Store } from "../store/index.js";
import { codeModeTools } from "./code-mode.js";
import { actionInputSchema, type ObjectSchema } from "./schema.js";

/** One tool as `tools/list` shows it. */
export interface EndpointTool {
  name: string;
  title: string;
  description: string;
  inputSchema: ObjectSchema;
  annotations: {
    title: string;
    readOnlyHint: boolean;
    destructiveHint: boolean;
    idempotentHint: boolean;
    openWorldHint: boolean;
  };
}

/** What an action tool runs: one action of one workspace integration. */
export interface ActionTarget {
  integration: IntegrationRecord;
  catalogIntegration: CatalogIntegration | undefined;
  action: CatalogAction | undefined;
  actionName: string;
  toolName: string;
}

/** The tools one MCP server offers right now, and what each action tool runs. */
export interface ToolSurface {
  server: McpServerRecord;
  tools: EndpointTool[];
  /** TOOLS mode: tool name → action. CODE mode: every action of the workspace by tool name. */
  actions: Map<string, ActionTarget>;
  /** Changes whenever anything a client sees in tools/list changes. */
  fingerprint: string;
}

function describeAction(t: ActionTarget): string {
  const integrationTitle = t.catalogIntegration?.displayName ?? t.integration.integrationName;
  const actionTitle = t.action?.displayName ?? t.actionName;
  const via =
    t.integration.alias === t.integration.integrationName
      ? ""
      : ` through the workspace integration "${t.integration.alias}"`;
  const builtIn = t.catalogIntegration?.builtIn
    ? " Built in: runs on the local API."
    : " Needs the hosted Weavz API to reach the service; the local API reports which connection it would use.";
  return `${actionTitle} (${integrationTitle}, action ${t.actionName})${via}.${builtIn}`;
}

function actionTool(t: ActionTarget): EndpointTool {
  const title = `${t.action?.displayName ?? t.actionName} (${t.integration.alias})`;
  return {
    name: t.toolName,
    title,
    description: describeAction(t),
    inputSchema: t.action ? actionInputSchema(t.action) : { type: "object", properties: {} },
    // Nothing in the catalog says whether an action only reads, so the hints stay at the
    // protocol's cautious defaults; only the open world is known (built-ins stay local).
    annotations: {
      title,
      readOnlyHint: false,
      destructiveHint: true,
      idempotentHint: false,
      openWorldHint: t.catalogIntegration?.builtIn !== true,
    },
  };
}

/** Every action the workspace's integrations enable, in tools/list order. */
export function workspaceActions(
  server: Pick<McpServerRecord, "id">,
  integrations: readonly IntegrationRecord[],
  catalog: Catalog,
): ActionTarget[] {
  const byId = new Map(integrations.map((i) => [i.id, i]));
  const derived = deriveMcpTools(
    { id: server.id, mode: "TOOLS" },
    integrations,
    (name) => catalog.summary(name)?.actions,
  );
  const targets: ActionTarget[] = [];
  for (const d of derived) {
    const integration = byId.get(d.sourceWorkspaceIntegrationId as string);
    if (!integration || d.actionName === null) continue;
    const catalogIntegration = catalog.get(integration.integrationName);
    targets.push({
      integration,
      catalogIntegration,
      action: catalogIntegration?.actions.find((a) => a.name === d.actionName),
      actionName: d.actionName,
      toolName: d.name,
    });
  }
  return targets;
}

/**
 * The tool surface of an MCP server, read from the store (ToolSurfaces caches it per change).
 * Undefined when the server no longer exists.
 */
export function toolSurface(
  store: Store,
  catalog: Catalog,
  serverId: string,
): ToolSurface | undefined {
  const server = store.mcpServers.get(serverId);
  if (!server) return undefined;
  const targets = workspaceActions(server, store.integrations.records(server.workspaceId), catalog);
  const actions = new Map(targets.map((t) => [t.toolName, t]));
  // CODE mode's tools name the workspace's aliases, so they change with the integrations too.
  const tools = server.mode === "CODE" ? codeModeTools(targets) : targets.map(actionTool);
  // The action names count too: in CODE mode they change what weavz_search finds.
  const fingerprint = createHash("sha256")
    .update(JSON.stringify([tools, [...actions.keys()]]))
    .digest("base64url");
  return { server, tools, actions, fingerprint };
}

/** How many servers' surfaces are kept; beyond it the cache starts over (a backstop). */
const MAX_CACHED_SURFACES = 256;

/**
 * Tool surfaces, rebuilt only when the store's change marker (bumped by every write, from any
 * process) or the catalog has moved: tools/list and tools/call otherwise rebuilt every tool
 * schema and hashed them on each request. Reads inside a write transaction bypass the cache,
 * since what they see may still roll back.
 */
export class ToolSurfaces {
  private readonly cache = new Map<
    string,
    { seq: number; catalog: Catalog; surface: ToolSurface | undefined }
  >();

  constructor(
    private readonly store: Store,
    private readonly catalog: () => Catalog,
  ) {}

  /** The current tool surface of MCP server `serverId`; undefined when it no longer exists. */
  get(serverId: string): ToolSurface | undefined {
    const catalog = this.catalog();
    if (this.store.db.inTransaction) return toolSurface(this.store, catalog, serverId);
    // The marker is read before the rows, so a cached surface is never older than its seq.
    const seq = this.store.changeSeq();
    const hit = this.cache.get(serverId);
    if (hit && hit.seq === seq && hit.catalog === catalog) return hit.surface;
    const surface = toolSurface(this.store, catalog, serverId);
    if (this.cache.size >= MAX_CACHED_SURFACES) this.cache.clear();
    this.cache.set(serverId, { seq, catalog, surface });
    return surface;
  }
}
