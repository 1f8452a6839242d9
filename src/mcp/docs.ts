import type { ResourceDef } from "./resources/resource.js";
import type { ToolDef } from "./tool.js";

/** The README's tool table, generated from the inventory so it cannot drift. */
export function renderToolTable(tools: readonly ToolDef[]): string {
  const rows = tools.map((t) => {
    const a = t.annotations;
    const kind = a.readOnlyHint ? "read" : a.destructiveHint ? "write, destructive" : "write";
    const args = Object.keys(t.input.shape)
      .map((k) => `\`${k}\``)
      .join(", ");
    return `| \`${t.name}\` | ${t.title} | \`${t.toolset}\` | ${kind} | ${args} |`;
  });
  return [
    "| Tool | What it does | Toolset | Kind | Arguments |",
    "| --- | --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
}

/** The README's resource table, generated from the inventory so it cannot drift. */
export function renderResourceTable(resources: readonly ResourceDef[]): string {
  return [
    "| URI | What it holds | Toolset |",
    "| --- | --- | --- |",
    ...resources.map((r) => `| \`${r.uri}\` | ${r.description} | \`${r.toolset}\` |`),
  ].join("\n");
}
