import { execFileSync } from "node:child_process";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { expect } from "vitest";

/** node:sqlite is built in (unflagged) from Node 22.13. */
export function hasNodeSqlite(version = process.versions.node): boolean {
  const [major, minor] = version.split(".").map(Number) as [number, number];
  return major > 22 || (major === 22 && minor >= 13);
}

let node22: string | undefined | null = null;

/**
 * A Node binary with node:sqlite, the kind Claude Desktop runs bundles on: this one when it
 * has it, else Node 22 from the npm registry (`npx -p node@22`, as scripts/test-node.mjs
 * does; cached by npm after the first run). Undefined when it cannot be had here (offline);
 * in CI that is an error, not a skip.
 */
export function nodeWithSqlite(): string | undefined {
  if (hasNodeSqlite()) return process.execPath;
  if (node22 !== null) return node22;
  try {
    node22 = execFileSync("npx", ["-y", "-p", "node@22", "-c", 'node -p "process.execPath"'], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 180_000,
    }).trim();
  } catch (err) {
    if (process.env.CI) throw new Error(`could not get Node 22 from the npm registry: ${err}`);
    node22 = undefined;
  }
  return node22;
}

export interface StdioConfig {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
}

/** A server to reach: started over stdio as configured, or already listening at a URL. */
export type Target = StdioConfig | { url: string };

async function connect(target: Target): Promise<Client> {
  const client = new Client({ name: "config-check", version: "1" });
  const transport =
    "url" in target
      ? new StreamableHTTPClientTransport(new URL(target.url))
      : new StdioClientTransport({ ...target, stderr: "pipe" });
  await client.connect(transport as unknown as Parameters<Client["connect"]>[0]);
  return client;
}

/** The tool names a server started as configured offers. */
export async function listTools(config: Target): Promise<string[]> {
  const client = await connect(config);
  try {
    return (await client.listTools()).tools.map((t) => t.name);
  } finally {
    await client.close();
  }
}

/**
 * What a user does first with a freshly configured client: start the server as configured,
 * then create → list → delete one workspace integration through an SDK client. Returns the
 * server's tool names.
 */
export async function createListDelete(
  config: Target,
  alias: string,
  workspaceId?: string,
): Promise<string[]> {
  const client = await connect(config);
  const ws = workspaceId ? { workspaceId } : {};
  try {
    const tools = (await client.listTools()).tools.map((t) => t.name);
    const text = (r: unknown) =>
      ((r as { content: Array<{ text?: string }> }).content ?? []).map((c) => c.text).join("\n");
    const made = await client.callTool({
      name: "create_workspace_integration",
      arguments: { integrationName: "kv-store", alias, ...ws },
    });
    expect(made.isError ?? false, text(made)).toBe(false);
    const listed = await client.callTool({ name: "list_workspace_integrations", arguments: ws });
    expect(text(listed)).toContain(alias);
    let gone = await client.callTool({
      name: "delete_workspace_integration",
      arguments: { alias, ...ws },
    });
    // No elicitation in this client: the server answers with a confirm token to echo.
    const confirm = /"confirm":"([^"]+)"/.exec(text(gone))?.[1];
    if (confirm) {
      gone = await client.callTool({
        name: "delete_workspace_integration",
        arguments: { alias, confirm, ...ws },
      });
    }
    expect(text(gone)).toMatch(/Deleted/);
    const after = await client.callTool({ name: "list_workspace_integrations", arguments: ws });
    expect(text(after)).not.toContain(`"alias":"${alias}"`);
    return tools;
  } finally {
    await client.close();
  }
}
