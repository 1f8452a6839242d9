import { join } from "node:path";
import { request } from "undici";
import { describe, expect, it } from "vitest";
import { sqliteDriver } from "../../src/local/sqlite.js";
import { startLocalApiCli, stopCli, tempDir, useCliProcesses } from "../helpers/cli.js";
import { client, startTestLocalApi, useLocalApi } from "../helpers/local-api.js";

let n = 0;

const env = useLocalApi({ demo: false });
const { call } = env;
useCliProcesses();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function changes(qs: string, c: ReturnType<typeof client> = call) {
  return c("GET", `/api/v1/changes${qs}`);
}

async function write(c: ReturnType<typeof client> = call): Promise<void> {
  n++;
  const r = await c("POST", "/api/v1/workspaces", { name: `Change ${n}`, slug: `change-${n}` });
  expect(r.status).toBe(201);
}

/** Waits until cond() holds (polling every 10 ms) or fails after ms. */
async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await sleep(10);
  }
}

describe("GET /api/v1/changes", () => {
  it("answers { seq } at once without since, with a different since, or with waitMs 0", async () => {
    const seq = env.local.store.changeSeq();
    const plain = await changes("");
    expect(plain.status).toBe(200);
    expect(plain.body).toEqual({ seq });

    const t0 = Date.now();
    const stale = await changes(`?since=${seq + 5}&waitMs=30000`);
    expect(stale.body).toEqual({ seq });
    const older = await changes(`?since=0&waitMs=30000`);
    expect(older.body).toEqual({ seq });
    const same = await changes(`?since=${seq}&waitMs=0`);
    expect(same.body).toEqual({ seq });
    const noWait = await changes(`?since=${seq}`);
    expect(noWait.body).toEqual({ seq });
    expect(Date.now() - t0).toBeLessThan(500);

    await write();
    expect((await changes("")).body).toEqual({ seq: seq + 1 });
  });

  it("long-poll wakes within ~100 ms of an in-process write", async () => {
    const seq = env.local.store.changeSeq();
    const poll = changes(`?since=${seq}&waitMs=10000`);
    await until(() => env.local.changes.waiting === 1);
    expect(env.local.changes.polling).toBe(true);
    await sleep(150);
    const tWrite = Date.now();
    await write();
    const r = await poll;
    const woke = Date.now() - tWrite;
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ seq: seq + 1 });
    expect(woke).toBeLessThan(500);
    expect(env.local.changes.waiting).toBe(0);
    expect(env.local.changes.polling).toBe(false);
  });

  it("every waiter wakes on one write", async () => {
    const seq = env.local.store.changeSeq();
    const polls = [1, 2, 3].map(() => changes(`?since=${seq}&waitMs=10000`));
    await until(() => env.local.changes.waiting === 3);
    await write();
    for (const r of await Promise.all(polls)) expect(r.body).toEqual({ seq: seq + 1 });
    expect(env.local.changes.polling).toBe(false);
  });

  it("times out after waitMs with the same seq", async () => {
    const seq = env.local.store.changeSeq();
    const t0 = Date.now();
    const r = await changes(`?since=${seq}&waitMs=300`);
    const took = Date.now() - t0;
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ seq });
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(2000);
  });

  it("no waiter, no timer: the data_version poll runs only while someone waits", async () => {
    expect(env.local.changes.waiting).toBe(0);
    expect(env.local.changes.polling).toBe(false);
    const idle = env.local.changes.pollTicks;
    await sleep(350);
    expect(env.local.changes.pollTicks).toBe(idle);

    const seq = env.local.store.changeSeq();
    const poll = changes(`?since=${seq}&waitMs=450`);
    await until(() => env.local.changes.waiting === 1);
    expect(env.local.changes.polling).toBe(true);
    await poll;
    const afterPoll = env.local.changes.pollTicks;
    expect(afterPoll).toBeGreaterThan(idle);
    expect(env.local.changes.polling).toBe(false);
    await sleep(350);
    expect(env.local.changes.pollTicks).toBe(afterPoll);
  });

  it("a client that goes away is dropped (and the timer stops)", async () => {
    const seq = env.local.store.changeSeq();
    const ac = new AbortController();
    const pending = request(`${env.local.url}/api/v1/changes?since=${seq}&waitMs=20000`, {
      headers: { authorization: `Bearer ${env.local.apiKey}` },
      signal: ac.signal,
    }).catch((err: unknown) => err);
    await until(() => env.local.changes.waiting === 1);
    ac.abort();
    await pending;
    await until(() => env.local.changes.waiting === 0);
    expect(env.local.changes.polling).toBe(false);
  });

  it("bad parameters → 400 naming the field", async () => {
    const cases: Array<[string, string]> = [
      ["since=-1", "since"],
      ["since=abc", "since"],
      ["since=1.5", "since"],
      ["since=", "since"],
      ["waitMs=30001", "waitMs"],
      ["waitMs=-5", "waitMs"],
      ["waitMs=soon", "waitMs"],
      ["wait=100", "wait"],
    ];
    for (const [qs, field] of cases) {
      const r = await changes(`?${qs}`);
      expect(r.status, qs).toBe(400);
      expect(r.body.code, qs).toBe("VALIDATION_ERROR");
      expect(
        r.body.details.issues.some((i: { field: string }) => i.field === field),
        qs,
      ).toBe(true);
    }
    expect((await changes("?waitMs=30000&since=0")).status).toBe(200);
    expect((await call("POST", "/api/v1/changes", {})).status).toBe(405);
    expect((await changes("", client(env.local.url, "wvz_wrong_key_123456"))).status).toBe(401);
  });

  it("close() answers held long polls and does not hang on their keep-alive connections", async () => {
    const other = await startTestLocalApi({ demo: false });
    const c = client(other.url, other.apiKey);
    const seq = other.store.changeSeq();
    const polls = [
      changes(`?since=${seq}&waitMs=25000`, c),
      changes(`?since=${seq}&waitMs=25000`, c),
    ];
    await until(() => other.changes.waiting === 2);
    const t0 = Date.now();
    await other.close();
    expect(Date.now() - t0).toBeLessThan(1000);
    // Answered with the current value, not cut off.
    for (const r of await Promise.all(polls)) {
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ seq });
    }
  });
});

// Child processes run on the same Node with the same env, so on the same driver.
describe(`GET /api/v1/changes across processes (SQLite driver: ${sqliteDriver()})`, () => {
  it("wakes within 1 s on a write by another process on the same database file", async () => {
    const dbPath = join(tempDir("weavz-changes-"), "shared.db");
    const key = "wvz_changes_cross_process_key_01";
    // The other process starts first (it creates the database); this one then opens the file.
    const other = await startLocalApiCli(["--db", dbPath, "--api-key", key, "--no-demo"]);
    const childUrl = other.url;
    const here = await startTestLocalApi({ dbPath, apiKey: key, demo: false });
    try {
      const hereCall = client(here.url, key);
      const childCall = client(childUrl, key);
      // Only the child's workspace route is used, so a dist/ built before /changes still works.
      const seq = (await changes("", hereCall)).body.seq as number;

      const poll = changes(`?since=${seq}&waitMs=10000`, hereCall);
      await until(() => here.changes.waiting === 1);
      await sleep(250);
      const tWrite = Date.now();
      await write(childCall);
      const r = await poll;
      const woke = Date.now() - tWrite;
      expect(r.body).toEqual({ seq: seq + 1 });
      expect(woke).toBeLessThan(1000);
      expect(here.changes.polling).toBe(false);

      // A second write by the other process, with no waiter here: nothing polls, yet the
      // next request sees it.
      const ticks = here.changes.pollTicks;
      await write(childCall);
      await sleep(250);
      expect(here.changes.pollTicks).toBe(ticks);
      expect((await changes("", hereCall)).body).toEqual({ seq: seq + 2 });
    } finally {
      await here.close();
      await stopCli(other);
    }
  }, 60_000);
});
