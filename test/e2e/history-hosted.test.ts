// Hosted mode (an API key): the MCP server keeps its own journal. Two replicas share it in
// Redis; one process keeps it in SQLite. The upstream is the real local API standing in for
// the hosted Weavz API (a stand-in, not the hosted service): in hosted mode weavz-mcp never
// reads the upstream's history, so what the journal holds is only what went through weavz-mcp.
import { join } from "node:path";
import { Client as LegacyClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as LegacyHttp } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWeavzClient } from "../../src/api/client.js";
import { journaledApi } from "../../src/api/journal.js";
import { openSqliteJournal } from "../../src/journal/sqlite.js";
import { silentLogger } from "../../src/log.js";
import { tempDir, useCliProcesses } from "../helpers/cli.js";
import {
  client as httpClient,
  startTestLocalApi,
  type TestLocalApi,
} from "../helpers/local-api.js";
import { connectMcp, DEMO_WS, textOf } from "../helpers/mcp.js";
import { REDIS_SKIP_REASON, startTestRedis, type TestRedis } from "../helpers/redis.js";
import { type Replica, replicaArgs, startReplica } from "../helpers/replica.js";

type Result = CallToolResult & { structuredContent?: Record<string, any> };

async function connect(url: string, name: string) {
  const client = new LegacyClient({ name, version: "1" });
  await client.connect(new LegacyHttp(new URL(url)));
  const call = async (n: string, args: Record<string, unknown> = {}) =>
    (await client.callTool({ name: n, arguments: args })) as Result;
  return {
    client,
    call,
    callConfirmed: async (n: string, args: Record<string, unknown> = {}) => {
      const preview = await call(n, args);
      const token = preview.structuredContent?.confirm;
      return typeof token === "string" ? call(n, { ...args, confirm: token }) : preview;
    },
  };
}

describe("hosted mode, one process: its own SQLite journal", () => {
  useCliProcesses();
  let local: TestLocalApi;
  beforeAll(async () => {
    local = await startTestLocalApi({ demo: true });
  });
  afterAll(async () => {
    await local?.close();
  });

  it("records only changes made through this server, and says so", async () => {
    const journal = openSqliteJournal(join(tempDir(), "journal.db"));
    const upstream = createWeavzClient({
      baseUrl: local.url,
      apiKey: local.apiKey,
      log: silentLogger,
    });
    const env = await connectMcp(journaledApi(upstream, journal, silentLogger) as typeof upstream, {
      historyKind: "mcp-sqlite",
    });
    try {
      const mine = await env.call("create_workspace_integration", {
        workspaceId: DEMO_WS,
        integrationName: "kv-store",
        alias: "mine",
        connectionStrategy: "per_user",
      });
      expect(mine.isError, textOf(mine)).toBeFalsy();
      // Someone else, straight through the API: not in this server's journal.
      const rest = httpClient(local.url, local.apiKey);
      const theirs = await rest("POST", `/api/v1/workspaces/${DEMO_WS}/integrations`, {
        integrationName: "storage",
        alias: "theirs",
        connectionStrategy: "per_user",
      });
      expect(theirs.status).toBe(201);
      const listed = (await env.call("list_changes", { workspaceId: DEMO_WS })) as Result;
      expect(listed.structuredContent?.changes.map((c: any) => c.target.alias)).toEqual(["mine"]);
      expect(textOf(listed)).toMatch(
        /only changes made through this weavz-mcp server; changes made elsewhere .* are not in it/,
      );
      // An outside edit of "mine" blocks its undo, and the refusal says the journal cannot see it.
      const id = listed.structuredContent?.changes[0].target.integrationId;
      await rest("PATCH", `/api/v1/workspaces/${DEMO_WS}/integrations/${id}`, { sortOrder: 3 });
      const refused = (await env.call("undo_change", {
        changeId: listed.structuredContent?.changes[0].id,
      })) as Result;
      expect(refused.isError).toBe(true);
      expect(textOf(refused)).toMatch(
        /CHANGED_SINCE[\s\S]*not hold \(made outside this MCP server\)/,
      );
    } finally {
      await env.close();
      await journal.close?.();
    }
  });
});

describe.skipIf(REDIS_SKIP_REASON !== undefined)("hosted mode, two replicas on one Redis", () => {
  useCliProcesses();
  let local: TestLocalApi;
  let redis: TestRedis;
  let a: Replica;
  let b: Replica;
  beforeAll(async () => {
    [local, redis] = await Promise.all([startTestLocalApi({ demo: true }), startTestRedis()]);
    const secret = ["--state-secret", "history-test-secret-0123456789abcdef"];
    [a, b] = await Promise.all([
      startReplica(replicaArgs(local.apiKey, local.url, redis.url, secret)),
      startReplica(replicaArgs(local.apiKey, local.url, redis.url, secret)),
    ]);
  }, 30_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await Promise.all([local?.close(), redis?.close()]);
  });

  it("lists on replica B a change made through replica A, and undoes it there", async () => {
    const ca = await connect(a.url, "client-on-a");
    const cb = await connect(b.url, "client-on-b");
    try {
      const made = await ca.call("create_workspace_integration", {
        workspaceId: DEMO_WS,
        integrationName: "kv-store",
        alias: "via_a",
        connectionStrategy: "per_user",
      });
      expect(made.isError, textOf(made)).toBeFalsy();
      const onB = await cb.call("list_changes", { workspaceId: DEMO_WS });
      const e = onB.structuredContent?.changes[0];
      expect(e).toMatchObject({
        operation: "create",
        target: { alias: "via_a" },
        actor: { client: { name: "client-on-a" } },
      });
      const undone = await cb.callConfirmed("undo_change", { changeId: e.id });
      expect(undone.isError, textOf(undone)).toBeFalsy();
      expect(undone.structuredContent?.status).toBe("applied");
      const ints = await ca.call("list_workspace_integrations", { workspaceId: DEMO_WS });
      expect(ints.structuredContent?.integrations.map((i: any) => i.alias)).not.toContain("via_a");
      // A sees B's undo in the shared journal too.
      const onA = await ca.call("list_changes", { workspaceId: DEMO_WS });
      expect(onA.structuredContent?.changes[0]).toMatchObject({
        source: "undo",
        undoes: e.id,
        actor: { client: { name: "client-on-b" } },
      });
    } finally {
      await ca.client.close();
      await cb.client.close();
    }
  }, 30_000);
});
