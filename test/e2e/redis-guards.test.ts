/**
 * Issue 23.7: what replicas share on Redis is signed with the state secret and bounded.
 * Against a real redis-server (CI fails rather than skips without one): a raw client stands
 * for whoever else can write to that Redis.
 */
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { silentLogger } from "../../src/log.js";
import type { ResourceHub } from "../../src/mcp/resources/hub.js";
import { MAX_WATCHED, RedisCoordinator } from "../../src/scale/coordinator.js";
import { connectRedis, type RedisLink } from "../../src/scale/redis.js";
import { messageKey, RedisEventBus } from "../../src/scale/redis-bus.js";
import { REDIS_SKIP_REASON, startTestRedis, type TestRedis } from "../helpers/redis.js";

const KEY = messageKey(new Uint8Array(32).fill(9));
const CHANNEL = "weavz-mcp:events";

async function up(link: RedisLink): Promise<RedisLink> {
  await vi.waitFor(() => expect(link.up).toBe(true), { timeout: 10_000 });
  return link;
}

/** A hub with no interest of its own: what the coordinator needs to tick; counts its ticks. */
function idleHub(): ResourceHub & { ticks: number } {
  const hub = {
    ticks: 0,
    localInterest: () => ({ uris: new Map<string, string | undefined>(), listChanged: false }),
    // Told after every tick of the coordinator (share interest, renew or seek the lease).
    coordinationChanged: () => {
      hub.ticks++;
    },
  };
  return hub as unknown as ResourceHub & { ticks: number };
}

describe.skipIf(REDIS_SKIP_REASON !== undefined)("Redis: signed, coalesced and bounded", () => {
  let redis: TestRedis;
  let raw: ReturnType<typeof createClient>;
  const links: RedisLink[] = [];
  const link = async () => {
    const l = await up(connectRedis(redis.url, silentLogger));
    links.push(l);
    return l;
  };
  beforeAll(async () => {
    redis = await startTestRedis();
    raw = createClient({ url: redis.url });
    await raw.connect();
  });
  afterAll(async () => {
    await raw?.quit().catch(() => {});
    for (const l of links) await l.close();
    await redis?.close();
  });

  it("hears only signed events, and a burst reaches listeners coalesced and capped", async () => {
    const a = new RedisEventBus(await link(), silentLogger, CHANNEL, KEY);
    const b = new RedisEventBus(await link(), silentLogger, CHANNEL, KEY);
    const heard: string[] = [];
    a.subscribe((e) => heard.push(e.kind === "resource_updated" ? e.uri : e.kind));
    // Subscriptions are set up in the background: wait until a signed event gets through.
    await vi.waitFor(
      () => {
        b.publish({ kind: "tools_list_changed" });
        expect(heard).toContain("tools_list_changed");
      },
      { timeout: 10_000, interval: 200 },
    );
    // The handshake's own events settle, then counting starts. What settles them: a marker
    // published after them by the same replica; Redis delivers one connection's messages in
    // order and batches go out in order, so once the marker is heard, so is everything before.
    const marker = "weavz://workspaces/marker/integrations";
    b.publish({ kind: "resource_updated", uri: marker });
    await vi.waitFor(() => expect(heard).toContain(marker), { timeout: 20_000 });
    heard.length = 0;
    const base = { ...a.stats };

    // 5,000 forged events from someone else on this Redis: none is heard.
    const forged = Array.from({ length: 5000 }, (_, i) =>
      raw.publish(
        CHANNEL,
        JSON.stringify({
          o: "intruder",
          k: "resource_updated",
          u: `weavz://workspaces/w${i}/integrations`,
        }),
      ),
    );
    await Promise.all(forged);
    // 5,000 real events of one replica: identical ones coalesce, distinct ones are capped.
    for (let i = 0; i < 2500; i++) b.publish({ kind: "resources_list_changed" });
    for (let i = 0; i < 2500; i++)
      b.publish({ kind: "resource_updated", uri: `weavz://workspaces/w${i}/integrations` });
    await vi.waitFor(
      () =>
        expect(a.stats.received - base.received + a.stats.rejected).toBeGreaterThanOrEqual(10_000),
      { timeout: 20_000 },
    );
    // Everything is received; what remains is the last batch going out. Counted, not waited
    // for: every event heard was delivered, merged or dropped, none twice, none unaccounted
    // (a repeat or a loss would keep this from ever holding).
    const accounted = () =>
      a.stats.received -
      base.received -
      (a.stats.coalesced - base.coalesced) -
      (a.stats.dropped - base.dropped);
    await vi.waitFor(() => expect(heard.length).toBe(accounted()), { timeout: 20_000 });
    expect(a.stats.rejected).toBeGreaterThanOrEqual(5000);
    // 2,500 identical events: one per batch (a batch is 100 ms), not 2,500.
    expect(heard.filter((u) => u === "resources_list_changed").length).toBeLessThan(250);
    const received = a.stats.received - base.received;
    const merged = a.stats.coalesced - base.coalesced;
    expect(received).toBe(5000);
    expect(heard.length).toBe(accounted());
    expect(merged).toBeGreaterThan(2000);
    expect(heard.some((u) => u.includes("intruder"))).toBe(false);
  }, 60_000);

  it("caps the watch list and ignores entries no replica would write", async () => {
    const c = new RedisCoordinator(await link(), silentLogger, { leaseMs: 1000, key: KEY });
    const now = Date.now();
    const far = Array.from({ length: 3000 }, (_, i) => ({
      score: now + 10_000_000,
      value: `weavz://workspaces/far${i}/integrations`,
    }));
    const near = Array.from({ length: 3000 }, (_, i) => ({
      score: now + 1500,
      value: `weavz://workspaces/near${i}/integrations`,
    }));
    await raw.zAdd("weavz-mcp:interest", [...far, ...near, { score: now + 1500, value: "x:junk" }]);
    const watched = await c.clusterWatched();
    expect(watched.length).toBeLessThanOrEqual(MAX_WATCHED);
    expect(watched.some((u) => u.includes("far"))).toBe(false);
    expect(watched).not.toContain("x:junk");
    await raw.del("weavz-mcp:interest");
    await c.close();
  });

  it("takes over a poller lease squatted by someone who is not a live replica", async () => {
    await raw.set("weavz-mcp:poller", "squatter", { expiration: { type: "PX", value: 3_600_000 } });
    const c = new RedisCoordinator(await link(), silentLogger, { leaseMs: 600, key: KEY });
    c.attach(idleHub());
    await vi.waitFor(() => expect(c.leader).toBe(true), { timeout: 15_000 });
    // A live replica's lease is respected: a second one does not take it. Counted in the
    // second one's ticks (each seeks the lease), over more ticks than a lease lasts (a tick
    // is a third of one): an unrenewed lease would have run out and been taken.
    const d = new RedisCoordinator(await link(), silentLogger, { leaseMs: 600, key: KEY });
    const dHub = idleHub();
    d.attach(dHub);
    await vi.waitFor(() => expect(dHub.ticks).toBeGreaterThanOrEqual(8), { timeout: 20_000 });
    expect(d.leader).toBe(false);
    expect(c.leader).toBe(true);
    await d.close();
    await c.close();
  }, 30_000);
});
