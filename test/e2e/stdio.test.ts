import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { beforeAll, describe, expect, it } from "vitest";
import { CLI } from "../helpers/build.js";
import { cliStdio, tempDir, useCliProcesses } from "../helpers/cli.js";
import { initializeRequest } from "../helpers/jsonrpc.js";
import { DEMO_WS, SLACK_BOT_CONN } from "../helpers/mcp.js";

describe("weavz-mcp over stdio (spawned process, embedded local API)", () => {
  useCliProcesses();
  let dir: string;
  beforeAll(() => {
    dir = tempDir("weavz-stdio-");
  });

  it("serves the tools to the SDK client and keeps the change in the database", async () => {
    const stderr: string[] = [];
    const transport = new StdioClientTransport(
      cliStdio({ WEAVZ_LOCAL_DB: join(dir, "a.db"), WEAVZ_WORKSPACE_ID: DEMO_WS }, "pipe"),
    );
    transport.stderr?.on("data", (d: Buffer) => stderr.push(d.toString()));
    const client = new Client({ name: "stdio-test", version: "1" });
    await client.connect(transport);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toContain("create_workspace_integration");
    const r = await client.callTool({
      name: "create_workspace_integration",
      arguments: { integrationName: "slack", connectionId: SLACK_BOT_CONN },
    });
    expect(r.isError).toBeFalsy();
    expect((r.structuredContent as any).integration.alias).toBe("slack");
    await client.close();
    // The backend is announced on stderr, never on stdout.
    expect(stderr.join("")).toMatch(/embedded local Weavz API/);

    // A second process on the same database sees it; its toolsets narrow what it lists.
    const t2 = new StdioClientTransport(
      cliStdio(
        { WEAVZ_LOCAL_DB: join(dir, "a.db"), WEAVZ_TOOLSETS: "catalog,integrations" },
        "pipe",
      ),
    );
    const c2 = new Client({ name: "stdio-test-2", version: "1" });
    await c2.connect(t2);
    const listed = (await c2.listTools()).tools.map((t) => t.name);
    expect(listed).toContain("search_catalog");
    expect(listed).not.toContain("list_connections");
    const hidden = await c2.callTool({ name: "list_connections", arguments: {} });
    expect(hidden.isError).toBe(true);
    expect((hidden.content as any)[0].text).toMatch(/"connections" toolset/);
    const l = await c2.callTool({
      name: "list_workspace_integrations",
      arguments: { workspaceId: DEMO_WS },
    });
    expect((l.structuredContent as any).integrations.map((i: any) => i.alias)).toEqual(["slack"]);
    await c2.close();
  });

  it("writes nothing but JSON-RPC to stdout, even for bad input", async () => {
    const child = spawn(process.execPath, [CLI], {
      env: {
        PATH: process.env.PATH ?? "",
        WEAVZ_LOCAL_DB: join(dir, "b.db"),
        WEAVZ_LOG_LEVEL: "debug",
      },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    const send = (m: unknown) => child.stdin.write(`${JSON.stringify(m)}\n`);
    send(initializeRequest({ protocolVersion: "2025-06-18" }));
    send({ jsonrpc: "2.0", method: "notifications/initialized" });
    send({ jsonrpc: "2.0", id: 2, method: "tools/list" });
    send({
      jsonrpc: "2.0",
      id: 3,
      method: "tools/call",
      params: { name: "update_workspace_integration", arguments: "{not json" },
    });
    send({
      jsonrpc: "2.0",
      id: 4,
      method: "tools/call",
      params: { name: "list_workspaces", arguments: { limit: 500 } },
    });
    send({
      jsonrpc: "2.0",
      id: 6,
      method: "tools/call",
      params: { name: "list_workspaces", arguments: '{"limit": 5}' },
    });
    child.stdin.write("this is not json\n");
    send({ jsonrpc: "2.0", id: 5, method: "ping" });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no answer to ping; stdout so far: ${out}`)),
        15_000,
      );
      child.stdout.on("data", () => {
        if (out.includes('"id":5')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    child.stdin.end();
    await new Promise((r) => child.once("exit", r));
    const lines = out.split("\n").filter((l) => l.length > 0);
    expect(lines.length).toBeGreaterThanOrEqual(5);
    for (const line of lines) {
      const msg = JSON.parse(line);
      expect(msg.jsonrpc).toBe("2.0");
    }
    const byId = new Map(lines.map((l) => JSON.parse(l)).map((m) => [m.id, m]));
    // The default tool list stays small: every client pays for it in its context window.
    const listLine = lines.find((l) => JSON.parse(l).id === 2) as string;
    expect(Buffer.byteLength(listLine)).toBeLessThanOrEqual(16_000);
    expect(byId.get(2).result.tools.length).toBeGreaterThanOrEqual(10);
    expect(byId.get(3).result.isError).toBe(true);
    expect(byId.get(3).result.content[0].text).toMatch(/must be a JSON object of named arguments/);
    // Arguments sent as a JSON string are decoded.
    expect(byId.get(6).result.isError).toBeFalsy();
    expect(byId.get(6).result.structuredContent.total).toBeGreaterThan(0);
    expect(byId.get(4).result.content[0].text).toMatch(/limit/);
    expect(child.exitCode).toBe(0);
  });

  it("exits with a clear message for a bad flag, and prints help and version", async () => {
    const run = (args: string[], env: Record<string, string> = {}) =>
      new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const c = spawn(process.execPath, [CLI, ...args], {
          env: { PATH: process.env.PATH ?? "", ...env },
        });
        let out = "";
        let err = "";
        c.stdout.on("data", (d: Buffer) => {
          out += d;
        });
        c.stderr.on("data", (d: Buffer) => {
          err += d;
        });
        c.on("exit", (code) => resolve({ code, out, err }));
      });
    const bad = await run(["--transport", "carrier-pigeon"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--transport \/ WEAVZ_TRANSPORT must be stdio or http/);
    expect(bad.out).toBe("");
    const unknown = await run(["--colour"]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/colour/);
    const env = await run([], { WEAVZ_TIMEOUT_MS: "5" });
    expect(env.err).toMatch(
      /WEAVZ_TIMEOUT_MS must be a whole number of milliseconds from 1000 to 60000/,
    );
    // A database path below a regular file cannot be created.
    writeFileSync(join(dir, "a-file"), "");
    const badDb = await run([], { WEAVZ_LOCAL_DB: join(dir, "a-file", "local.db") });
    expect(badDb.code).toBe(1);
    expect(badDb.err).toMatch(
      /cannot create the directory of the local database[\s\S]*WEAVZ_LOCAL_DB or --db/,
    );
    expect(badDb.err).not.toMatch(/\n\s+at /); // no stack trace
    const help = await run(["--help"]);
    expect(help.code).toBe(0);
    for (const v of [
      "WEAVZ_API_KEY",
      "WEAVZ_BASE_URL",
      "WEAVZ_WORKSPACE_ID",
      "WEAVZ_LOCAL_DB",
      "local-api",
    ]) {
      expect(help.out).toContain(v);
    }
    const version = await run(["--version"]);
    expect(version.out.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
