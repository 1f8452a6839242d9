import type { ToolDef } from "./tool.js";

/** The README's tool table, generated from the registry so it cannot drift. */
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
