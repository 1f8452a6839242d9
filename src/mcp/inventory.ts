import { TOOL_SCHEMAS } from "weavz:tool-schemas";
import type { ToolsetName } from "../toolsets.js";
import { CONFORMANCE_FIXTURE_TOOLS } from "./fixtures/index.js";
import { PROMPTS } from "./prompts/index.js";
import type { PromptDef } from "./prompts/types.js";
import workspaceHistory from "./resources/history.js";
import {
  isTemplate,
  type ResourceDef,
  type ResourceRef,
  uriMatcher,
} from "./resources/resource.js";
import workspaceIntegrations from "./resources/workspace-integrations.js";
import workspaceMcpTools from "./resources/workspace-mcp-tools.js";
import workspaces from "./resources/workspaces.js";
import { type JsonSchema, toJsonSchema } from "./schema.js";
import type { ToolDef } from "./tool.js";
import applyWorkspacePlan from "./tools/apply-workspace-plan.js";
import createWorkspaceIntegration from "./tools/create-workspace-integration.js";
import deleteWorkspaceIntegration from "./tools/delete-workspace-integration.js";
import executeAction from "./tools/execute-action.js";
import getCatalogIntegration from "./tools/get-catalog-integration.js";
import getMcpServer from "./tools/get-mcp-server.js";
import listChanges from "./tools/list-changes.js";
import listConnections from "./tools/list-connections.js";
import listMcpServers from "./tools/list-mcp-servers.js";
import listWorkspaceIntegrations from "./tools/list-workspace-integrations.js";
import listWorkspaces from "./tools/list-workspaces.js";
import planWorkspace from "./tools/plan-workspace.js";
import searchCatalog from "./tools/search-catalog.js";
import undoChange from "./tools/undo-change.js";
import updateWorkspaceIntegration from "./tools/update-workspace-integration.js";

/**
 * The inventory: every tool, resource and prompt this server can serve, as data. Adding one
 * is a file (tools/, resources/, prompts/) plus one line here; registration (server.ts),
 * filtering (toolsets, read-only: {@link buildInventory}), the README tables (docs.ts) and
 * the schema snapshot all loop over these lists.
 */

/** Every tool, in the order tools/list shows them. */
export const TOOLS: readonly ToolDef[] = [
  listWorkspaceIntegrations,
  createWorkspaceIntegration,
  updateWorkspaceIntegration,
  deleteWorkspaceIntegration,
  listWorkspaces,
  listConnections,
  searchCatalog,
  getCatalogIntegration,
  listMcpServers,
  getMcpServer,
  planWorkspace,
  applyWorkspacePlan,
  executeAction,
  listChanges,
  undoChange,
] as unknown as readonly ToolDef[];

/** Every resource, in the order resources/list and resources/templates/list show them. */
export const RESOURCES: readonly ResourceDef[] = [
  workspaces,
  workspaceIntegrations,
  workspaceMcpTools,
  workspaceHistory,
];

/** Every prompt (the list lives with the prompts: prompts/index.ts). */
export { PROMPTS };

/**
 * Why a tool name is not callable here, for the model: a tool switched off by the toolsets
 * or read-only mode says how to switch it on; anything else lists what is available.
 */
export function unavailableToolMessage(name: string, available: readonly RegisteredTool[]): string {
  const def = TOOLS.find((t) => t.name === name);
  const list = available.map((t) => t.def.name).join(", ");
  if (def && !def.annotations.readOnlyHint && !available.some((t) => t.def.name === name)) {
    const ro = available.every((t) => t.def.annotations.readOnlyHint);
    if (ro)
      return `Tool "${name}" changes data and this server runs read-only. Available: ${list}.`;
  }
  if (def) {
    return `Tool "${name}" is in the "${def.toolset}" toolset, which this server does not expose (the user can add it with --toolsets or WEAVZ_TOOLSETS). Available: ${list}.`;
  }
  return `Unknown tool "${name}". Available: ${list}.`;
}

/** A tool with its JSON schemas computed once. */
export interface RegisteredTool {
  def: ToolDef;
  inputJson: JsonSchema;
  outputJson: JsonSchema;
}

/** Which tools a server exposes: read-only mode and the toolsets switched on. */
export interface ToolFilter {
  readOnly: boolean;
  /** Toolsets to expose; omitted = every toolset (tests and embedders). */
  toolsets?: readonly ToolsetName[] | undefined;
}

/** Whether a tool passes the filter. */
export function toolEnabled(def: ToolDef, filter: ToolFilter): boolean {
  return passes(def.toolset, !def.annotations.readOnlyHint, filter);
}

/** The filter's rule for tools and prompts alike: read-only drops writers; toolsets select. */
function passes(toolset: ToolsetName, writes: boolean, filter: ToolFilter): boolean {
  if (filter.readOnly && writes) return false;
  return filter.toolsets === undefined || filter.toolsets.includes(toolset);
}

/** The tools to expose, schemas converted once (tools/list is then a cached array). */
export function buildToolSet(filter: ToolFilter): RegisteredTool[] {
  return TOOLS.filter((t) => toolEnabled(t, filter)).map(register);
}

/** The conformance suite's fixture tools (fixture mode only), registered like any tool. */
export function buildFixtureSet(): RegisteredTool[] {
  return CONFORMANCE_FIXTURE_TOOLS.map(register);
}

/**
 * A tool with its JSON Schemas. The package build converts every tool's schemas once, at build
 * time (scripts/tool-schemas.mjs): converting them at start was about 15 ms of the stdio cold
 * start on Node 20. Run from src/ (tests) there is no such table and they are converted here.
 */
function register(def: ToolDef): RegisteredTool {
  const { input, output } = TOOL_SCHEMAS?.[def.name] ?? toolJsonSchemas(def);
  return { def, inputJson: input, outputJson: output };
}

/** A tool's input and output schemas as JSON Schema: what tools/list shows. */
export function toolJsonSchemas(def: ToolDef): { input: JsonSchema; output: JsonSchema } {
  return { input: toJsonSchema(def.input, "input"), output: toJsonSchema(def.output, "output") };
}

/** The prompts to expose: same toolsets as the tools; read-only mode drops those that write. */
export function buildPromptSet(filter: ToolFilter): PromptDef[] {
  return PROMPTS.filter((p) => passes(p.toolset, p.writes, filter));
}

/** The resources to expose: by toolset (every resource only reads). */
export function buildResourceSet(filter: ToolFilter): ResourceDef[] {
  return RESOURCES.filter((r) => passes(r.toolset, false, filter));
}

/** What one server exposes, filtered once per process. */
export interface Inventory {
  tools: RegisteredTool[];
  resources: ResourceDef[];
  prompts: PromptDef[];
  /** Parses a URI of an exposed resource, or undefined for one this server does not serve. */
  parseUri(uri: string): ResourceRef | undefined;
}

/** The filtered inventory (fixture tools added in conformance fixture mode only). */
export function buildInventory(filter: ToolFilter, opts: { fixtures?: boolean } = {}): Inventory {
  const tools = buildToolSet(filter);
  if (opts.fixtures === true) tools.push(...buildFixtureSet());
  const resources = buildResourceSet(filter);
  return { tools, resources, prompts: buildPromptSet(filter), parseUri: uriParser(resources) };
}

/** A parser over some resources: fixed URIs first, then templates. */
export function uriParser(
  resources: readonly ResourceDef[],
): (uri: string) => ResourceRef | undefined {
  const ordered = [...resources].sort((a, b) => Number(isTemplate(a)) - Number(isTemplate(b)));
  const matchers = ordered.map(uriMatcher);
  return (uri) => {
    for (const match of matchers) {
      const ref = match(uri);
      if (ref) return ref;
    }
    return undefined;
  };
}
