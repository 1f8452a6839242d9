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

/**
 * Waits for an event seen only through the feed's introspection (a request reaching the
 * server and being held, a dropped client being let go): polls cond() every 10 ms, failing
 * after a deadline far beyond any machine's pace.
 */
async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await sleep(10);
  }
}

// How long things take (answered at once, held exactly waitMs, woken within one poll tick, no
// timer while nobody waits) is the feed's own clock, tested with fake timers in
// src/local/changes.test.ts. Here: the HTTP route, over real connections and processes.
describe("GET /api/v1/changes", () => {
  // Each of these would be held 30 s if the feed did not answer it at once: the test's 10 s
  // timeout catches that (the exact "no timer at all" is in the unit test).
  it("answers { seq } at once without since, with a different since, or with waitMs 0", {
    timeout: 10_000,
  }, async () => {
    const seq = env.local.store.changeSeq();
    const plain = await changes("");
    expect(plain.status).toBe(200);
    expect(plain.body).toEqual({ seq });

    const stale = await changes(`?since=${seq + 5}&waitMs=30000`);
    expect(stale.body).toEqual({ seq });
    const older = await changes(`?since=0&waitMs=30000`);
    expect(older.body).toEqual({ seq });
    const same = await changes(`?since=${seq}&waitMs=0`);
    expect(same.body).toEqual({ seq });
    const noWait = await changes(`?since=${seq}`);
    expect(noWait.body).toEqual({ seq });
    expect(env.local.changes.waiting).toBe(0);

    await write();
    expect((await changes("")).body).toEqual({ seq: seq + 1 });
  });

  it("a long poll is held until an in-process write, then answers with the new seq", async () => {
    const seq = env.local.store.changeSeq();
    let answered = false;
    const poll = changes(`?since=${seq}&waitMs=10000`).finally(() => {
      answered = true;
    });
    await until(() => env.local.changes.waiting === 1);
    expect(env.local.changes.polling).toBe(true);
    expect(answered).toBe(false);
    await write();
    const ticks = env.local.changes.pollTicks;
    const r = await poll;
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ seq: seq + 1 });
    // Woken by the commit itself: no poll tick between the write and the answer (left to its
    // 10 s waitMs, the answer would be the same seq after about a hundred ticks).
    expect(env.local.changes.pollTicks).toBe(ticks);
    expect(env.local.changes.waiting).toBe(0);
    expect(env.local.changes.polling).toBe(false);
  });

  it("every waiter wakes on one write", async () => {
    const seq = env.local.store.changeSeq();
    const polls = [1, 2, 3].map(() => changes(`?since=${seq}&waitMs=10000`));
    await until(() => env.local.changes.waiting === 3);
    await write();
    const ticks = env.local.changes.pollTicks;
    for (const r of await Promise.all(polls)) expect(r.body).toEqual({ seq: seq + 1 });
    expect(env.local.changes.pollTicks).toBe(ticks);
    expect(env.local.changes.polling).toBe(false);
  });

  it("times out after waitMs with the same seq", async () => {
    const seq = env.local.store.changeSeq();
    const t0 = Date.now();
    const r = await changes(`?since=${seq}&waitMs=300`);
    const took = Date.now() - t0;
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ seq });
    // Held, not answered at once (a lower bound: deterministic on any machine).
    expect(took).toBeGreaterThanOrEqual(290);
    expect(env.local.changes.waiting).toBe(0);
  });

  it("the data_version poll runs while a request is held, and stops when it is answered", async () => {
    expect(env.local.changes.waiting).toBe(0);
    expect(env.local.changes.polling).toBe(false);
    const before = env.local.changes.pollTicks;

    const seq = env.local.store.changeSeq();
    const poll = changes(`?since=${seq}&waitMs=450`);
    await until(() => env.local.changes.waiting === 1);
    expect(env.local.changes.polling).toBe(true);
    await poll;
    // The 100 ms poll interval falls due before the 450 ms timeout: it ticked at least once.
    expect(env.local.changes.pollTicks).toBeGreaterThan(before);
    expect(env.local.changes.waiting).toBe(0);
    expect(env.local.changes.polling).toBe(false);
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

  // Cut off, the polls would fail; left to their waitMs (30 s), or had close() waited on their
  // connections, this test would outlast its 10 s timeout.
  it("close() answers held long polls and does not hang on their keep-alive connections", {
    timeout: 10_000,
  }, async () => {
    const other = await startTestLocalApi({ demo: false });
    const c = client(other.url, other.apiKey);
    const seq = other.store.changeSeq();
    const polls = [
      changes(`?since=${seq}&waitMs=30000`, c),
      changes(`?since=${seq}&waitMs=30000`, c),
    ];
    await until(() => other.changes.waiting === 2);
    await other.close();
    expect(other.changes.waiting).toBe(0);
    // Answered with the current value, not cut off.
    for (const r of await Promise.all(polls)) {
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ seq });
    }
  });
});

// Child processes run on the same Node with the same env, so on the same driver.
describe(`GET /api/v1/changes across processes (SQLite driver: ${sqliteDriver()})`, () => {
  it("wakes on a write by another process on the same database file", async () => {
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
      await write(childCall);
      const ticks = here.changes.pollTicks;
      const r = await poll;
      expect(r.body).toEqual({ seq: seq + 1 });
      // Woken by the first data_version check after the other process's commit (which may
      // even have come before its HTTP answer reached us): at most one tick after the write,
      // where waiting out the 10 s waitMs would take about a hundred.
      expect(here.changes.pollTicks).toBeLessThanOrEqual(ticks + 1);
      expect(here.changes.polling).toBe(false);

      // A second write by the other process, with no waiter here (so no poll running): the
      // next request reads it from the database.
      await write(childCall);
      expect(here.changes.polling).toBe(false);
      expect((await changes("", hereCall)).body).toEqual({ seq: seq + 2 });
    } finally {
      await here.close();
      await stopCli(other);
    }
  }, 60_000);
});
