// Scale-out over Redis: real weavz-mcp replicas (child processes) sharing one local API and
// one real redis-server; real v2 (2026) and v1 (2025) MCP clients on either replica.
import {
  Client as ModernClient,
  StreamableHTTPClientTransport as ModernHttp,
} from "@modelcontextprotocol/client";
import { Client as LegacyClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as LegacyHttp } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { createClient } from "redis";
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
const WORKSPACES = "weavz://workspaces";
const LEASE_MS = 1500;

if (REDIS_SKIP_REASON) console.warn(REDIS_SKIP_REASON);

async function modernListener(url: string, uris: string[] = [INTEGRATIONS]) {
  const client = new ModernClient(
    { name: "listener-2026", version: "1" },
    { versionNegotiation: { mode: { pin: "2026-07-28" } } },
  );
  await client.connect(new ModernHttp(new URL(url)));
  const u = resourceUpdates();
  client.setNotificationHandler("notifications/resources/updated", (n) => u.push(n.params.uri));
  const sub = await client.listen({ resourceSubscriptions: uris });
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

/** Adds a workspace through the local API itself (no replica sees it but through the feed). */
async function addWorkspace(local: TestLocalApi, slug: string): Promise<void> {
  const r = await request(`${local.url}/api/v1/workspaces`, {
    method: "POST",
    headers: { authorization: `Bearer ${local.apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ name: slug, slug }),
  });
  const text = await r.body.text();
  if (r.statusCode !== 201) throw new Error(`adding workspace ${slug}: ${r.statusCode} ${text}`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A wait for an event; its deadline is only a backstop, generous for a loaded machine. */
async function until(what: string, ok: () => boolean, timeoutMs = 20_000): Promise<void> {
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

  // How fast it arrives (the replica hop's latency) is measured side by side by
  // `npm run bench:scale`; here: that it arrives, and once.
  it("a change made through replica B reaches 2026 and 2025 listeners on replica A, once", async () => {
    const a = await startReplica(args(local.url, redis.url));
    const b = await startReplica(args(local.url, redis.url));
    const modern = await modernListener(a.url, [INTEGRATIONS, WORKSPACES]);
    const legacy = await legacyClient(a.url, "subscriber-2025");
    await legacy.client.subscribeResource({ uri: INTEGRATIONS });
    await legacy.client.subscribeResource({ uri: WORKSPACES });
    const actor = await legacyClient(b.url, "actor-on-b");
    try {
      const both = Promise.all([
        modern.u.next(INTEGRATIONS, 20_000),
        legacy.u.next(INTEGRATIONS, 20_000),
      ]);
      const r = await actor.client.callTool({
        name: "create_workspace_integration",
        arguments: { integrationName: "kv-store", alias: "kv-through-b" },
      });
      expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
      await both;
      // The feed (on whichever replica holds the lease) also sees this change; the shared
      // record and the echo filter keep it to one notification per listener. What settles
      // "no second one": a later change only the feed can see (a workspace added behind the
      // replicas' backs, another resource). The feed takes changes in order and the lease
      // holder's notifications reach a listener in order, so once the listeners hear that
      // one, any repeat of the first would have arrived before it.
      const later = Promise.all([
        modern.u.next(WORKSPACES, 20_000),
        legacy.u.next(WORKSPACES, 20_000),
      ]);
      await addWorkspace(local, "added-behind-the-replicas");
      await later;
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
    // Counted in polls, not timed: first until one replica has polled three times (the lease
    // settled, the listeners' first reads done), then over the next POLLS of its polls.
    // (A poller with nothing new backs off, doubling its interval: a few polls is all there is.)
    const POLLS = 2;
    const since = (from: number[]) => [reads(0) - (from[0] ?? 0), reads(1) - (from[1] ?? 0)];
    try {
      const start0 = [reads(0), reads(1)];
      await until("a replica to poll", () => Math.max(...since(start0)) >= 3);
      const before = [reads(0), reads(1)];
      await until("more polls", () => Math.max(...since(before)) >= POLLS);
      const polled = since(before);
      // Exactly one replica polls (its reads cover both replicas' listeners): while it polled
      // POLLS times, the other did not poll once.
      expect(polled.filter((n) => n > 0)).toHaveLength(1);
      const leader = (polled[0] ?? 0) > 0 ? 0 : 1;
      const other = 1 - leader;

      // An outside change is noticed by the poller and reaches listeners on both replicas.
      const seenBoth = Promise.all(listeners.map((l) => l.u.next(INTEGRATIONS, 20_000)));
      await addKvIntegration(local, "kv-outside-1");
      await seenBoth;

      // The dead holder's lease runs out within LEASE_MS and the next renewal tick of the other
      // claims it: that it takes over is asserted here; how long it takes is the coordinator's
      // clock, not a figure to time on a shared machine.
      await replicas[leader]?.kill();
      const start = reads(other);
      await until("the other replica to poll", () => reads(other) > start);

      // The new poller notices outside changes for the remaining listener.
      const seen = listeners[other]?.u.next(INTEGRATIONS, 20_000);
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
      await until("replica A to notice the outage", () => a.stderr().includes("unreachable"));
      // Tool calls do not wait for Redis: both are answered while it is still down (it comes
      // back only after they are; waiting for it would run into the test's timeout).
      const r = await actor.client.callTool({ name: "list_workspace_integrations", arguments: {} });
      expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
      const w = await actor.client.callTool({
        name: "create_workspace_integration",
        arguments: { integrationName: "kv-store", alias: "kv-during-outage" },
      });
      expect(w.isError, JSON.stringify(w.content)).toBeFalsy();

      await redis.restart();
      await until(
        "both replicas to reconnect",
        () => a.stderr().includes("reachable again") && b.stderr().includes("reachable again"),
      );
      // One tick re-shares A's interest (and the record of what it last saw) with the empty
      // Redis: wait for that to be in Redis, rather than for a tick's worth of time.
      const probe = createClient({ url: redis.url });
      probe.on("error", () => {});
      await probe.connect();
      try {
        for (const end = Date.now() + 20_000; ; await sleep(25)) {
          const [score, record] = await Promise.all([
            probe.zScore("weavz-mcp:interest", INTEGRATIONS),
            probe.exists(`weavz-mcp:seen:${INTEGRATIONS}`),
          ]);
          if (score !== null && score > Date.now() && record === 1) break;
          if (Date.now() > end) throw new Error("replica A's interest did not come back");
        }
      } finally {
        await probe.quit();
      }
      const next = modern.u.next(INTEGRATIONS, 20_000);
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
