// Scale-out over Redis: real weavz-mcp replicas (child processes) sharing one local API and
// one real redis-server; real v2 (2026) and v1 (2025) MCP clients on either replica.
import {
  Client as ModernClient,
  StreamableHTTPClientTransport as ModernHttp,
} from "@modelcontextprotocol/client";
import { Client as LegacyClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as LegacyHttp } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useCliProcesses } from "../helpers/cli.js";
import { startFaultProxy } from "../helpers/fault-proxy.js";
import { MCP_POST_HEADERS } from "../helpers/jsonrpc.js";
import { addKvIntegration, startTestLocalApi, type TestLocalApi } from "../helpers/local-api.js";
import { DEMO_WS } from "../helpers/mcp.js";
import { REDIS_SKIP_REASON, startTestRedis, type TestRedis } from "../helpers/redis.js";
import { replicaArgs, startReplica } from "../helpers/replica.js";
import { resourceUpdates } from "../helpers/updates.js";

const INTEGRATIONS = `weavz://workspaces/${DEMO_WS}/integrations`;
const LEASE_MS = 1500;

if (REDIS_SKIP_REASON) console.warn(REDIS_SKIP_REASON);

async function modernListener(url: string) {
  const client = new ModernClient(
    { name: "listener-2026", version: "1" },
    { versionNegotiation: { mode: { pin: "2026-07-28" } } },
  );
  await client.connect(new ModernHttp(new URL(url)));
  const u = resourceUpdates();
  client.setNotificationHandler("notifications/resources/updated", (n) => u.push(n.params.uri));
  const sub = await client.listen({ resourceSubscriptions: [INTEGRATIONS] });
  return {
    u,
    close: async () => {
      await sub.close();
      await client.close();
    },
  };
}

async function legacyClient(url: string, name: string) {
  const client = new LegacyClient({ name, version: "1" });
  const transport = new LegacyHttp(new URL(url));
  await client.connect(transport);
  const u = resourceUpdates();
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => u.push(n.params.uri));
  return {
    client,
    u,
    close: async () => {
      await transport.terminateSession().catch(() => {});
      await client.close();
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

describe.skipIf(REDIS_SKIP_REASON !== undefined)("two replicas and one Redis", () => {
  useCliProcesses();
  let local: TestLocalApi;
  let redis: TestRedis;
  const args = (apiUrl: string, redisUrl: string) =>
    replicaArgs(local.apiKey, apiUrl, redisUrl, [
      "--redis-lease-ms",
      String(LEASE_MS),
      "--poll-interval-ms",
      "100",
    ]);
  beforeAll(async () => {
    local = await startTestLocalApi();
    redis = await startTestRedis();
  });
  afterAll(async () => {
    await redis?.close();
    await local?.close();
  });

  it("a change made through replica B reaches 2026 and 2025 listeners on replica A within 1 s, once", async () => {
    const a = await startReplica(args(local.url, redis.url));
    const b = await startReplica(args(local.url, redis.url));
    const modern = await modernListener(a.url);
    const legacy = await legacyClient(a.url, "subscriber-2025");
    await legacy.client.subscribeResource({ uri: INTEGRATIONS });
    const actor = await legacyClient(b.url, "actor-on-b");
    try {
      const both = Promise.all([
        modern.u.next(INTEGRATIONS, 3000),
        legacy.u.next(INTEGRATIONS, 3000),
      ]);
      const r = await actor.client.callTool({
        name: "create_workspace_integration",
        arguments: { integrationName: "kv-store", alias: "kv-through-b" },
      });
      const done = Date.now();
      expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
      const [tModern, tLegacy] = await both;
      expect(Math.max(tModern, tLegacy) - done).toBeLessThan(1000);
      // The feed (on whichever replica holds the lease) also sees this change; the shared
      // record and the echo filter keep it to one notification per listener.
      await sleep(600);
      expect(modern.u.count(INTEGRATIONS)).toBe(1);
      expect(legacy.u.count(INTEGRATIONS)).toBe(1);
    } finally {
      await actor.close();
      await legacy.close();
      await modern.close();
      await a.stop();
      await b.stop();
    }
  });

  it("answers an unknown 2025 session with 404 so the client re-initializes (sessions are per replica)", async () => {
    const a = await startReplica(args(local.url, redis.url));
    const b = await startReplica(args(local.url, redis.url));
    const onA = await legacyClient(a.url, "pinned-to-a");
    try {
      const sessionId = (onA.client.transport as LegacyHttp).sessionId;
      expect(sessionId).toBeTruthy();
      const r = await request(b.url, {
        method: "POST",
        headers: {
          ...MCP_POST_HEADERS,
          "mcp-session-id": sessionId ?? "",
          "mcp-protocol-version": "2025-11-25",
        },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
      });
      expect(r.statusCode).toBe(404);
      expect(JSON.stringify(await r.body.json())).toMatch(/initialize/);
    } finally {
      await onA.close();
      await a.stop();
      await b.stop();
    }
  });

  it("polls an API without a change feed from one replica only; another takes over when it dies", async () => {
    // One proxy per replica in front of the same API, answering 404 to /changes as the hosted
    // API does, so each replica's reads can be counted apart.
    const proxies = await Promise.all([startFaultProxy(local.url), startFaultProxy(local.url)]);
    for (const p of proxies) {
      p.script((_m, url) =>
        url.startsWith("/api/v1/changes")
          ? { kind: "status", status: 404, body: { error: "Not found", code: "NOT_FOUND" } }
          : { kind: "pass" },
      );
    }
    const replicas = await Promise.all(proxies.map((p) => startReplica(args(p.url, redis.url))));
    const listeners = await Promise.all(replicas.map((r) => modernListener(r.url)));
    const reads = (i: number) =>
      proxies[i]?.seen.filter((s) => s.url.includes(`/workspaces/${DEMO_WS}/integrations`))
        .length ?? 0;
    try {
      await sleep(1200);
      const before = [reads(0), reads(1)];
      await sleep(1200);
      const polled = [reads(0) - (before[0] ?? 0), reads(1) - (before[1] ?? 0)];
      // Exactly one replica polls (its reads cover both replicas' listeners).
      expect(polled.filter((n) => n > 0)).toHaveLength(1);
      const leader = (polled[0] ?? 0) > 0 ? 0 : 1;
      const other = 1 - leader;

      // An outside change is noticed by the poller and reaches listeners on both replicas.
      const seenBoth = Promise.all(listeners.map((l) => l.u.next(INTEGRATIONS, 4000)));
      await addKvIntegration(local, "kv-outside-1");
      await seenBoth;

      await replicas[leader]?.kill();
      const killedAt = Date.now();
      const start = reads(other);
      await until("the other replica to poll", () => reads(other) > start, 3 * LEASE_MS);
      const takeover = Date.now() - killedAt;
      // The dead holder's lease runs out within LEASE_MS; the next renewal tick claims it.
      expect(takeover).toBeLessThan(LEASE_MS + LEASE_MS / 3 + 700);

      // The new poller notices outside changes for the remaining listener.
      const seen = listeners[other]?.u.next(INTEGRATIONS, 4000);
      await addKvIntegration(local, "kv-outside-2");
      await seen;
    } finally {
      await Promise.all(listeners.map((l) => l.close().catch(() => {})));
      await Promise.all(replicas.map((r) => r.stop()));
      await Promise.all(proxies.map((p) => p.close()));
    }
  });
});

describe.skipIf(REDIS_SKIP_REASON !== undefined)("Redis going away and coming back", () => {
  useCliProcesses();
  it("keeps serving tool calls, logs once without the password, and resumes notifications", async () => {
    const local = await startTestLocalApi();
    const password = "s3cret-redis-pass";
    const redis = await startTestRedis({ password });
    const args = replicaArgs(local.apiKey, local.url, redis.url, [
      "--redis-lease-ms",
      String(LEASE_MS),
    ]);
    const a = await startReplica(args);
    const b = await startReplica(args);
    const modern = await modernListener(a.url);
    const actor = await legacyClient(b.url, "actor-on-b");
    try {
      await redis.kill();
      await until("replica A to notice the outage", () => a.stderr().includes("unreachable"), 5000);
      // Tool calls do not wait for Redis.
      const t0 = Date.now();
      const r = await actor.client.callTool({ name: "list_workspace_integrations", arguments: {} });
      expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
      const w = await actor.client.callTool({
        name: "create_workspace_integration",
        arguments: { integrationName: "kv-store", alias: "kv-during-outage" },
      });
      expect(w.isError, JSON.stringify(w.content)).toBeFalsy();
      expect(Date.now() - t0).toBeLessThan(2000);

      await redis.restart();
      await until(
        "both replicas to reconnect",
        () => a.stderr().includes("reachable again") && b.stderr().includes("reachable again"),
        6000,
      );
      // One tick re-shares A's interest with the empty Redis.
      await sleep(LEASE_MS / 3 + 200);
      const next = modern.u.next(INTEGRATIONS, 3000);
      const c = await actor.client.callTool({
        name: "create_workspace_integration",
        arguments: { integrationName: "kv-store", alias: "kv-after-outage" },
      });
      expect(c.isError, JSON.stringify(c.content)).toBeFalsy();
      await next;
      for (const rep of [a, b]) {
        expect(rep.stderr().match(/unreachable/g)?.length).toBe(1);
        expect(rep.stderr()).not.toContain(password);
      }
    } finally {
      await actor.close();
      await modern.close();
      await a.stop();
      await b.stop();
      await redis.close();
      await local.close();
    }
  });
});
