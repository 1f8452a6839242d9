/**
 * Toolsets: named groups of tools a user switches on with --toolsets / WEAVZ_TOOLSETS, so a
 * client pays (in its context window) only for the tools it needs. A leaf with no imports,
 * beside the MCP layer rather than in it: the CLI's options (src/app) check names against this
 * list before any tool module loads, and the MCP registry tags each tool with one.
 */
export const TOOLSETS = [
  {
    name: "integrations",
    description: "Workspaces and their integrations: list, create, update, delete.",
  },
  { name: "catalog", description: "Search the catalog; one integration's actions and settings." },
  { name: "connections", description: "List connections (the connectionId to pin)." },
  { name: "mcp-servers", description: "The workspace's MCP servers and the tools they expose." },
  { name: "plan", description: "Declarative setup: plan a desired state, then apply the plan." },
  { name: "execute", description: "Run one action of a workspace integration." },
  { name: "history", description: "What changed, by whom; undo a change or a whole apply." },
] as const;

export type ToolsetName = (typeof TOOLSETS)[number]["name"];

export const TOOLSET_NAMES: readonly ToolsetName[] = TOOLSETS.map((t) => t.name);

/**
 * On when nothing is configured: today's everyday tools, and history (list_changes and
 * undo_change: the owner's way back from an agent's mistake, so on by default). Their
 * tools/list is about 18.3 KB (15.9 KB before history; its two tools keep their schemas lean
 * for that); plan and execute are opt-in.
 */
export const DEFAULT_TOOLSETS: readonly ToolsetName[] = [
  "integrations",
  "catalog",
  "connections",
  "mcp-servers",
  "history",
];

/** Whether a string names a toolset. */
export function isToolsetName(name: string): name is ToolsetName {
  return (TOOLSET_NAMES as readonly string[]).includes(name);
}

/**
 * Parses a comma list ("catalog,plan", "all", "default,plan") into toolset names, in
 * registry order; throws an Error naming the unknown entries and the valid ones.
 */
export function parseToolsets(raw: string): ToolsetName[] {
  const wanted = new Set<ToolsetName>();
  const unknown: string[] = [];
  const entries = raw
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  if (entries.length === 0) throw new Error(`is empty; use one or more of: ${validList()}`);
  for (const entry of entries) {
    if (entry === "all") for (const n of TOOLSET_NAMES) wanted.add(n);
    else if (entry === "default") for (const n of DEFAULT_TOOLSETS) wanted.add(n);
    else if (isToolsetName(entry)) wanted.add(entry);
    else unknown.push(entry);
  }
  if (unknown.length > 0) {
    throw new Error(
      `names unknown toolset(s) ${unknown.map((u) => `"${u}"`).join(", ")}; valid: ${validList()}`,
    );
  }
  return TOOLSET_NAMES.filter((n) => wanted.has(n));
}

function validList(): string {
  return [...TOOLSET_NAMES, "all", "default"].join(", ");
}
