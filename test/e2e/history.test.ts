import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  Client as ModernClient,
  StreamableHTTPClientTransport as ModernHttp,
} from "@modelcontextprotocol/client";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import {
  type CallToolResult,
  ResourceUpdatedNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Store } from "../../src/local/store/index.js";
import {
  cliStdio,
  runCli,
  startLocalApiCli,
  startMcpHttpCli,
  tempDir,
  useCliProcesses,
} from "../helpers/cli.js";
import { startTestIssuer, type TestIssuer } from "../helpers/issuer.js";
import {
  client as httpClient,
  startTestLocalApi,
  type TestLocalApi,
} from "../helpers/local-api.js";
import { DEMO_WS, textOf } from "../helpers/mcp.js";
import { resourceUpdates } from "../helpers/updates.js";

type Result = CallToolResult & { structuredContent?: Record<string, any> };

async function v1(url: string, token: string, name = "actor-test") {
  const client = new Client({ name, version: "3.1" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  const call = async (n: string, args: Record<string, unknown> = {}) =>
    (await client.callTool({ name: n, arguments: args })) as Result;
  return { client, call };
}

async function v2(url: string, token: string) {
  const client = new ModernClient(
    { name: "actor-test-2026", version: "9" },
    { versionNegotiation: { mode: { pin: "2026-07-28" } } },
  );
  await client.connect(
    new ModernHttp(new URL(url), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  const call = async (n: string, args: Record<string, unknown> = {}) =>
    (await client.callTool({ name: n, arguments: args })) as Result;
  return { client, call };
}

const create = (alias: string) => ({
  workspaceId: DEMO_WS,
  integrationName: "kv-store",
  alias,
  connectionStrategy: "per_user",
});

describe("history: who made a change (spawned servers, real clients)", () => {
  useCliProcesses();
  let local: TestLocalApi;
  let issuer: TestIssuer;
  beforeAll(async () => {
    [local, issuer] = await Promise.all([startTestLocalApi({ demo: true }), startTestIssuer()]);
  }, 30_000);
  afterAll(async () => {
    await Promise.all([local?.close(), issuer?.close()]);
  });

  it("records a bearer token's label and the MCP client, in both eras", async () => {
    const dir = tempDir();
    const token = "tok-alice-0123456789abcdef";
    writeFileSync(join(dir, "tokens"), `${token} name=alice label=alice@example.com\n`);
    const mcp = await startMcpHttpCli(
      [
        "--auth",
        "bearer",
        "--tokens-file",
        join(dir, "tokens"),
        "--journal-db",
        join(dir, "journal.db"),
      ],
      local,
    );
    const a = await v1(mcp.url, token);
    expect((await a.call("create_workspace_integration", create("by_bearer"))).isError).toBeFalsy();
    const listed = await a.call("list_changes", { workspaceId: DEMO_WS });
    const e = listed.structuredContent?.changes[0];
    expect(e.actor).toEqual({
      client: { name: "actor-test", version: "3.1" },
      principal: { kind: "bearer", label: "alice@example.com" },
    });
    expect(textOf(listed)).toMatch(/only changes made through this weavz-mcp server/);
    // The local API behind it got the same actor in the x-weavz-change header.
    const h = await httpClient(local.url, local.apiKey)(
      "GET",
      `/api/v1/workspaces/${DEMO_WS}/history?integration=by_bearer`,
    );
    expect(h.body.entries[0].actor.principal).toEqual({
      kind: "bearer",
      label: "alice@example.com",
    });
    await a.client.close();
    const b = await v2(mcp.url, token);
    expect(
      (await b.call("create_workspace_integration", create("by_bearer2"))).isError,
    ).toBeFalsy();
    const e2 = (await b.call("list_changes", { workspaceId: DEMO_WS })).structuredContent
      ?.changes[0];
    expect(e2.actor.client).toEqual({ name: "actor-test-2026", version: "9" });
    expect(e2.actor.principal.label).toBe("alice@example.com");
    await b.client.close();
    mcp.child.kill("SIGTERM");
  }, 90_000);

  it("records an OAuth subject", async () => {
    const dir = tempDir();
    const mcp = await startMcpHttpCli(
      ["--auth", "oauth", "--oauth-issuer", issuer.issuer, "--journal-db", join(dir, "journal.db")],
      local,
    );
    const token = await issuer.mint({ aud: mcp.url, sub: "user-42", client_id: "app" });
    const a = await v1(mcp.url, token);
    expect((await a.call("create_workspace_integration", create("by_oauth"))).isError).toBeFalsy();
    const e = (await a.call("list_changes", { workspaceId: DEMO_WS })).structuredContent
      ?.changes[0];
    expect(e.actor.principal).toEqual({ kind: "oauth", label: "user-42" });
    await a.client.close();
    mcp.child.kill("SIGTERM");
  }, 90_000);
});

describe("history: the CLI (history, undo, apply) on the local database", () => {
  useCliProcesses();

  it("records the CLI as the actor; undo follows apply's exit codes and TTY rule", async () => {
    const dir = tempDir();
    const db = ["--db", join(dir, "local.db")];
    const file = join(dir, "state.yaml");
    writeFileSync(
      file,
      `workspaceId: ${DEMO_WS}\nintegrations:\n  kv:\n    integrationName: kv-store\n    connectionStrategy: per_user\n`,
    );
    const applied = await runCli(["apply", "-f", file, "--yes", ...db]);
    expect(applied.code, applied.stderr).toBe(0);
    const hist = await runCli(["history", "--json", ...db]);
    expect(hist.code, hist.stderr).toBe(0);
    const entries = JSON.parse(hist.stdout).entries;
    expect(entries[0]).toMatchObject({
      operation: "create",
      source: "apply",
      step: 1,
      actor: { client: { name: "weavz-mcp" }, principal: { kind: "cli" } },
    });
    const lines = await runCli(["history", ...db]);
    expect(lines.stdout).toMatch(/create "kv" \(kv-store\) \(plan plan_\w+ step 1\) by cli/);
    // No terminal, no --yes: refused, nothing changed.
    const refused = await runCli(["undo", entries[0].id, ...db]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/stdin is not a terminal.*--yes/);
    const undone = await runCli(["undo", entries[0].id, "--yes", ...db]);
    expect(undone.code, undone.stderr).toBe(0);
    expect(undone.stdout).toMatch(/Undone: 1 change/);
    const missing = await runCli(["undo", "chg_missing", "--yes", ...db]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no change "chg_missing"/);
    const usage = await runCli(["undo", ...db]);
    expect(usage.code).not.toBe(0);
    expect(usage.stderr).toMatch(/undo needs what to undo/);
  }, 90_000);
});

describe("history: kill -9 during 20 concurrent writers", () => {
  useCliProcesses();

  it("has a journal entry for every acknowledged change (and every stored one)", async () => {
    const dir = tempDir();
    const dbPath = join(dir, "local.db");
    const key = "wvz_crash_0123456789abcdefghij";
    const cli = await startLocalApiCli(["--db", dbPath, "--api-key", key]);
    const acked = new Map<string, string>(); // integration id → alias
    let killed = false;
    const writer = async (w: number) => {
      for (let i = 0; !killed; i++) {
        try {
          const res = await request(`${cli.url}/api/v1/workspaces/${DEMO_WS}/integrations`, {
            method: "POST",
            headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
            body: JSON.stringify({
              integrationName: "kv-store",
              alias: `w${w}_${i}`,
              connectionStrategy: "per_user",
            }),
          });
          const body = (await res.body.json()) as any;
          if (res.statusCode === 201) acked.set(body.integration.id, body.integration.alias);
        } catch {
          return; // The server is gone.
        }
      }
    };
    const writers = Array.from({ length: 20 }, (_, w) => writer(w));
    while (acked.size < 300) await new Promise((r) => setTimeout(r, 10));
    cli.child.kill("SIGKILL");
    killed = true;
    await cli.exited;
    await Promise.all(writers);
    const store = new Store(dbPath);
    try {
      const journaled = new Set(
        store.journal
          .list({ workspaceId: DEMO_WS, limit: 100_000, offset: 0 })
          .entries.map((e) => e.target.integrationId),
      );
      const stored = store.integrations.records(DEMO_WS).map((r) => r.id);
      const missingAcked = [...acked.keys()].filter((id) => !journaled.has(id));
      const missingStored = stored.filter((id) => !journaled.has(id));
      console.log(
        `kill -9: ${acked.size} acknowledged, ${stored.length} stored, ${journaled.size} journaled; missing: ${missingAcked.length} acknowledged, ${missingStored.length} stored`,
      );
      expect(missingAcked).toEqual([]);
      expect(missingStored).toEqual([]);
    } finally {
      store.close();
    }
  }, 60_000);
});

describe("history: the resource follows a change made by another process", () => {
  useCliProcesses();

  it("notifies a subscriber of weavz://workspaces/{id}/history after another process writes", async () => {
    const dir = tempDir();
    const db = join(dir, "local.db");
    // Our MCP server (embedded local API on DB) over stdio, with a real SDK client.
    const client = new Client({ name: "watcher", version: "1" });
    const updates = resourceUpdates({ timeoutMs: 15_000 });
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
      updates.push(n.params.uri);
    });
    await client.connect(new StdioClientTransport(cliStdio({ WEAVZ_LOCAL_DB: db })));
    const uri = `weavz://workspaces/${DEMO_WS}/history`;
    const before = JSON.parse(
      ((await client.readResource({ uri })).contents[0] as { text: string }).text,
    );
    expect(before.total).toBe(0);
    await client.subscribeResource({ uri });
    const next = updates.next(uri);
    // Another process: the CLI applies a change to the same database.
    const file = join(dir, "state.yaml");
    writeFileSync(
      file,
      `workspaceId: ${DEMO_WS}\nintegrations:\n  other:\n    integrationName: kv-store\n    connectionStrategy: per_user\n`,
    );
    const run = await runCli(["apply", "-f", file, "--yes", "--db", db]);
    expect(run.code, run.stderr).toBe(0);
    const at = await next;
    const after = JSON.parse(
      ((await client.readResource({ uri })).contents[0] as { text: string }).text,
    );
    const committed = Date.parse(after.changes[0].time);
    console.log(`history resource: notified ${at - committed} ms after the other process's write`);
    expect(after.changes[0]).toMatchObject({ operation: "create", target: { alias: "other" } });
    await client.close();
  }, 60_000);
});
