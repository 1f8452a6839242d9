import { VERSION } from "../version.js";
import { type Command, isPlanCommand, type OptionSpec } from "./option-spec.js";
import { OPTIONS } from "./options/index.js";

/** The text of --help, built from the option table so it cannot drift from the parser. */
export function helpText(): string {
  /** The options picked, a line each: flag (and one-letter alias), env twin, meaning, default. */
  const rows = (pick: (o: OptionSpec) => boolean, withDefault: boolean) =>
    (OPTIONS as readonly OptionSpec[])
      .filter(pick)
      .map((o) => {
        const flag = `${o.short ? `-${o.short}, ` : ""}--${o.flag}${o.type === "string" ? " <value>" : ""}`;
        const dflt = withDefault ? ` [default: ${o.default}]` : "";
        return `  ${flag.padEnd(26)} ${o.env.padEnd(22)} ${o.description}${dflt}`;
      })
      .join("\n");
  const section = (cmd: Command) => rows((o) => o.commands.includes(cmd), true);
  return `weavz-mcp ${VERSION}: manage Weavz workspace integrations from MCP clients.

Usage:
  weavz-mcp [options]              MCP server over stdio (what MCP clients launch)
  weavz-mcp --transport http       MCP server over Streamable HTTP at http://HOST:PORT/mcp
  weavz-mcp local-api [options]    The local Weavz-compatible REST API alone
  weavz-mcp dashboard [--port N]   The live dashboard alone, on loopback (for stdio users)
  weavz-mcp export [-o FILE]       Write a workspace's integrations as a desired-state YAML file
  weavz-mcp plan -f FILE           Show what applying FILE would change (exit 0 none, 2 some, 1 error)
  weavz-mcp apply -f FILE [--yes]  Apply FILE after confirmation (exit 0 done, 1 error)
  weavz-mcp history [--limit N] [--json]   Recent changes of a workspace, newest first
  weavz-mcp undo CHANGE_ID|PLAN_ID [--yes] Undo a change or a whole apply after confirmation
  weavz-mcp mcp-server token ID    Mint a local MCP server's bearer token; prints it and the endpoint
  weavz-mcp --help | --version

Without WEAVZ_API_KEY the MCP server runs on an embedded local Weavz API (SQLite).

MCP server options (flag, env twin):
${section("mcp")}

local-api options:
${section("local-api")}

dashboard options (besides the backend's: --api-key, --base-url, --db, --journal-db, --no-demo,
--timeout-ms, --poll-interval-ms, --log-level):
${rows((o) => o.flag === "port", true)}

export / plan / apply / history / undo options (besides the backend's: --api-key, --base-url, --workspace-id, --db,
--no-demo, --timeout-ms, --log-level):
${rows((o) => o.commands.every(isPlanCommand), false)}
`;
}

/** The README's configuration table, generated from the option list the CLI parses. */
export function renderConfigTable(options: readonly OptionSpec[] = OPTIONS): string {
  const rows = options.map(
    (o) =>
      `| \`--${o.flag}\`${o.short ? ` (\`-${o.short}\`)` : ""} | \`${o.env}\` | ${o.default.replace(/\|/g, "\\|")} | ${o.commands.join(", ")} | ${o.description} |`,
  );
  return [
    "| Flag | Env | Default | Commands | Meaning |",
    "| --- | --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
}
