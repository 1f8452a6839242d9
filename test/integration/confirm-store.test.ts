/**
 * The shared confirmation store (src/scale/confirm-store.ts) against a real redis-server, with
 * one Redis connection per simulated replica, and the state secret's key derivation.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { silentLogger } from "../../src/log.js";
import { maskSecrets } from "../../src/mask.js";
import { ConfirmStoreUnavailableError } from "../../src/mcp/confirm.js";
import { createRedisConfirmStore } from "../../src/scale/confirm-store.js";
import { connectRedis, type RedisLink } from "../../src/scale/redis.js";
import { loadStateKey, StateSecretError } from "../../src/scale/state-secret.js";
import { tempDir, useCliProcesses } from "../helpers/cli.js";
import { REDIS_SKIP_REASON, startTestRedis, type TestRedis } from "../helpers/redis.js";

const KEY = new Uint8Array(32).fill(7);
const TTL_MS = 300_000;

/** Waits for the link to be up (an event; the deadline is a generous backstop). */
async function ready(link: RedisLink): Promise<void> {
  await vi.waitFor(() => expect(link.up, "redis link did not come up").toBe(true), {
    timeout: 20_000,
    interval: 20,
  });
}

describe.skipIf(REDIS_SKIP_REASON !== undefined)("shared confirmation store on Redis", () => {
  let redis: TestRedis;
  const links: RedisLink[] = [];
  const replica = async () => {
    const link = connectRedis(redis.url, silentLogger);
    links.push(link);
    await ready(link);
    return { link, store: createRedisConfirmStore(link, KEY) };
  };
  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => {
    await Promise.all(links.map((l) => l.close()));
    await redis?.close();
  });

  it("spends a nonce exactly once however many replicas race for it", async () => {
    const a = await replica();
    const b = await replica();
    const gen = await a.store.generation();
    // Every replica sees the one generation made by the first to ask.
    expect(await b.store.generation()).toBe(gen);
    for (let round = 0; round < 5; round++) {
      const nonce = `race-${round}`;
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).store.spend(nonce, gen, TTL_MS)),
      );
      expect(results.filter((r) => r === "ok")).toHaveLength(1);
      expect(results.filter((r) => r === "used")).toHaveLength(9);
    }
    // The mark outlives the token (its lifetime plus a minute for clock differences), then goes.
    const pttl = await a.link.cmd.pTTL("weavz-mcp:{confirm}:spent:race-0");
    expect(pttl).toBeGreaterThan(TTL_MS);
    expect(pttl).toBeLessThanOrEqual(TTL_MS + 60_000);
  });

  it("refuses a token minted before Redis lost its records, and one from another generation", async () => {
    const a = await replica();
    const gen = await a.store.generation();
    expect(await a.store.spend("before-flush", gen, TTL_MS)).toBe("ok");
    // A Redis without persistence restarts empty: the spent mark is gone with everything else.
    await a.link.cmd.flushAll();
    // Without the generation check this would be "ok": a second use of a used token.
    expect(await a.store.spend("before-flush", gen, TTL_MS)).toBe("stale");
    const next = await a.store.generation();
    expect(next).not.toBe(gen);
    expect(await a.store.spend("after-flush", next, TTL_MS)).toBe("ok");
    expect(await a.store.spend("forged-generation", "made-up", TTL_MS)).toBe("stale");
  });

  it("throws ConfirmStoreUnavailableError while Redis is down, never an answer", async () => {
    const a = await replica();
    const gen = await a.store.generation();
    await redis.kill();
    try {
      await vi.waitFor(() => expect(a.link.up, "the link did not see Redis go").toBe(false), {
        timeout: 20_000,
        interval: 20,
      });
      await expect(a.store.spend("while-down", gen, TTL_MS)).rejects.toBeInstanceOf(
        ConfirmStoreUnavailableError,
      );
      await expect(a.store.generation()).rejects.toBeInstanceOf(ConfirmStoreUnavailableError);
    } finally {
      await redis.restart();
    }
    await ready(a.link);
    // Back, but empty: the old generation is gone, so its tokens stay refused.
    expect(await a.store.spend("while-down", gen, TTL_MS)).toBe("stale");
  });
});

describe("the state secret", () => {
  useCliProcesses();
  const secret = "pW9f2kQ7xLr3Vt8Nz1Hc6Jb4Ym0Sd5Ga+/eU=";

  it("derives the same key on every replica from the value or its file, not the secret itself", () => {
    const file = join(tempDir(), "state-secret");
    writeFileSync(file, `${secret}\n`, { mode: 0o600 });
    const fromEnv = loadStateKey({ secret });
    const fromFile = loadStateKey({ file });
    expect(fromEnv).toHaveLength(32);
    expect(Buffer.from(fromFile ?? [])).toEqual(Buffer.from(fromEnv ?? []));
    expect(Buffer.from(fromEnv ?? []).toString("latin1")).not.toContain(secret.slice(0, 32));
    expect(loadStateKey({})).toBeUndefined();
    // Different secrets, different keys.
    expect(Buffer.from(loadStateKey({ secret: `${secret}x` }) ?? [])).not.toEqual(
      Buffer.from(fromEnv ?? []),
    );
    // Registered with the masker: it cannot leak through a log line or a result.
    expect(maskSecrets(`secret=${secret}`)).not.toContain(secret);
  });

  it("refuses a short or unreadable secret without showing it", () => {
    const short = "too-short-secret";
    const file = join(tempDir(), "short");
    writeFileSync(file, short);
    for (const opts of [{ secret: short }, { file }]) {
      let message = "";
      try {
        loadStateKey(opts);
      } catch (err) {
        expect(err).toBeInstanceOf(StateSecretError);
        message = (err as Error).message;
      }
      expect(message).toMatch(/at least 32 characters/);
      expect(message).not.toContain(short);
    }
    expect(() => loadStateKey({ file: join(tempDir(), "missing") })).toThrow(
      /cannot read the state secret file .* ENOENT/,
    );
  });
});
