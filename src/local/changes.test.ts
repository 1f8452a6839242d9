import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ChangeFeed } from "./changes.js";
import { sqliteDriver } from "./sqlite.js";
import { Store } from "./store/index.js";

/**
 * The change feed owns its clock (the waitMs timeout and the data_version poll interval), so
 * time here is fake and moved by hand: every timing claim is an exact count of ticks or a
 * `pending` right before a deadline and `resolved` right at it. The database is real: a
 * SQLite file in a temp directory, and a second Store on the same file plays "another
 * process" (its commits reach this connection only through `PRAGMA data_version`).
 */

const POLL_MS = 100;

let dir: string;
let store: Store;
let other: Store;
let feed: ChangeFeed;
let n = 0;

/** Commits one change through `s` (a new workspace), bumping change_seq. */
function write(s: Store): void {
  n++;
  s.write(() => s.workspaces.insert(`Change ${n}`, `change-${n}`));
}

/** Follows a promise so a test can ask, at any moment, whether it has settled and with what. */
function track<T>(p: Promise<T>): { done: boolean; value: T | undefined } {
  const state: { done: boolean; value: T | undefined } = { done: false, value: undefined };
  void p.then((v) => {
    state.done = true;
    state.value = v;
  });
  return state;
}

/** Lets pending promise callbacks run (no timer fires: time stands still). */
async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

beforeEach(() => {
  vi.useFakeTimers();
  dir = mkdtempSync(join(tmpdir(), "weavz-feed-"));
  const dbPath = join(dir, "feed.db");
  store = new Store(dbPath);
  other = new Store(dbPath);
  feed = new ChangeFeed(store, POLL_MS);
});

afterEach(() => {
  feed.close();
  other.close();
  store.close();
  vi.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

describe("ChangeFeed.wait: answered at once", () => {
  it("without since, with a different since, with waitMs 0, with an aborted signal: no timer", async () => {
    write(store);
    const seq = store.changeSeq();
    const aborted = new AbortController();
    aborted.abort();
    const answers = [
      feed.wait(undefined, 30_000),
      feed.wait(seq + 5, 30_000),
      feed.wait(0, 30_000),
      feed.wait(seq, 0),
      feed.wait(seq, 30_000, aborted.signal),
    ].map(track);
    expect(vi.getTimerCount()).toBe(0);
    expect(feed.polling).toBe(false);
    expect(feed.waiting).toBe(0);
    await flush();
    for (const a of answers) expect(a).toEqual({ done: true, value: seq });
    expect(feed.pollTicks).toBe(0);
  });

  it("after close(): answered at once with the current seq, no timer", async () => {
    feed.close();
    const seq = store.changeSeq();
    const a = track(feed.wait(seq, 30_000));
    expect(vi.getTimerCount()).toBe(0);
    await flush();
    expect(a).toEqual({ done: true, value: seq });
  });
});

describe(`ChangeFeed.wait: held (SQLite driver: ${sqliteDriver()})`, () => {
  it("until waitMs exactly, then answered with the same seq", async () => {
    const seq = store.changeSeq();
    const a = track(feed.wait(seq, 1050));
    // One timeout and one poll interval.
    expect(vi.getTimerCount()).toBe(2);
    expect(feed.waiting).toBe(1);
    expect(feed.polling).toBe(true);
    vi.advanceTimersByTime(1049);
    await flush();
    expect(a.done).toBe(false);
    expect(feed.pollTicks).toBe(10);
    vi.advanceTimersByTime(1);
    await flush();
    expect(a).toEqual({ done: true, value: seq });
    expect(feed.waiting).toBe(0);
    expect(feed.polling).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("an in-process write wakes every waiter without time passing", async () => {
    const seq = store.changeSeq();
    const waits = [1, 2, 3].map(() => track(feed.wait(seq, 10_000)));
    expect(feed.waiting).toBe(3);
    // One timeout per waiter and a single shared poll interval.
    expect(vi.getTimerCount()).toBe(4);
    write(store);
    await flush();
    for (const w of waits) expect(w).toEqual({ done: true, value: seq + 1 });
    expect(feed.pollTicks).toBe(0);
    expect(feed.waiting).toBe(0);
    expect(feed.polling).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("a write that changed nothing wakes nobody", async () => {
    const seq = store.changeSeq();
    const a = track(feed.wait(seq, 10_000));
    store.write(() => store.workspaces.get("no-such-workspace"));
    vi.advanceTimersByTime(POLL_MS * 3);
    await flush();
    expect(a.done).toBe(false);
    expect(store.changeSeq()).toBe(seq);
  });

  it("a write by another connection wakes at the next poll tick, exactly one tick later", async () => {
    const seq = store.changeSeq();
    const a = track(feed.wait(seq, 10_000));
    write(other);
    await flush();
    // The other connection's commit does not reach this Store's listeners...
    expect(a.done).toBe(false);
    vi.advanceTimersByTime(POLL_MS - 1);
    await flush();
    expect(a.done).toBe(false);
    expect(feed.pollTicks).toBe(0);
    // ...but the next data_version check sees it.
    vi.advanceTimersByTime(1);
    await flush();
    expect(a).toEqual({ done: true, value: seq + 1 });
    expect(feed.pollTicks).toBe(1);
    expect(feed.polling).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("poll ticks without a foreign write leave the waiter held", async () => {
    const seq = store.changeSeq();
    const a = track(feed.wait(seq, 10_000));
    vi.advanceTimersByTime(POLL_MS * 5);
    await flush();
    expect(a.done).toBe(false);
    expect(feed.pollTicks).toBe(5);
    write(other);
    vi.advanceTimersByTime(POLL_MS);
    await flush();
    expect(a).toEqual({ done: true, value: seq + 1 });
    expect(feed.pollTicks).toBe(6);
  });

  it("aborting one waiter answers it with its since and leaves the others held", async () => {
    const seq = store.changeSeq();
    const ac = new AbortController();
    const gone = track(feed.wait(seq, 10_000, ac.signal));
    const stays = track(feed.wait(seq, 10_000));
    ac.abort();
    await flush();
    expect(gone).toEqual({ done: true, value: seq });
    expect(stays.done).toBe(false);
    expect(feed.waiting).toBe(1);
    expect(feed.polling).toBe(true);
  });
});

describe("ChangeFeed: the poll interval runs only while someone waits", () => {
  it("no waiter, no timer: a minute passes without a single poll", () => {
    expect(vi.getTimerCount()).toBe(0);
    expect(feed.polling).toBe(false);
    vi.advanceTimersByTime(60_000);
    expect(feed.pollTicks).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("stops when the last waiter leaves, however it leaves (resolve, timeout, abort)", async () => {
    const seq = store.changeSeq();
    const ac = new AbortController();
    const byTimeout = track(feed.wait(seq, 250));
    const byAbort = track(feed.wait(seq, 10_000, ac.signal));
    vi.advanceTimersByTime(250);
    await flush();
    expect(byTimeout).toEqual({ done: true, value: seq });
    // One waiter left: the interval keeps running (2 ticks so far, at 100 and 200).
    expect(feed.polling).toBe(true);
    expect(feed.pollTicks).toBe(2);
    ac.abort();
    await flush();
    expect(byAbort).toEqual({ done: true, value: seq });
    expect(feed.polling).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(60_000);
    expect(feed.pollTicks).toBe(2);

    // A new waiter starts it again; a write answering it stops it.
    const byWrite = track(feed.wait(seq, 10_000));
    expect(feed.polling).toBe(true);
    vi.advanceTimersByTime(POLL_MS);
    expect(feed.pollTicks).toBe(3);
    write(store);
    await flush();
    expect(byWrite).toEqual({ done: true, value: seq + 1 });
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(60_000);
    expect(feed.pollTicks).toBe(3);
  });

  it("close() answers every held wait with the current seq and leaves no timer", async () => {
    const seq = store.changeSeq();
    const waits = [1, 2].map(() => track(feed.wait(seq, 10_000)));
    // A foreign commit not yet seen by a poll tick: close() still answers with the value
    // the database holds now.
    write(other);
    feed.close();
    await flush();
    for (const w of waits) expect(w).toEqual({ done: true, value: seq + 1 });
    expect(feed.waiting).toBe(0);
    expect(feed.polling).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
    // Closed: a later write through the store tells the feed nothing, and nothing polls.
    write(store);
    vi.advanceTimersByTime(60_000);
    expect(feed.pollTicks).toBe(0);
  });
});

describe("ChangeFeed: the database closed under it", () => {
  it("answers waiters with what they had, at the next tick or at their timeout", async () => {
    const seq = store.changeSeq();
    const early = track(feed.wait(seq, 50));
    const late = track(feed.wait(seq, 10_000));
    store.close();
    // The timeout fires before any poll: change_seq cannot be read, so the waiter keeps its own.
    vi.advanceTimersByTime(50);
    await flush();
    expect(early).toEqual({ done: true, value: seq });
    expect(late.done).toBe(false);
    // The first poll tick finds the database closed and answers the rest.
    vi.advanceTimersByTime(POLL_MS - 50);
    await flush();
    expect(late).toEqual({ done: true, value: seq });
    expect(feed.pollTicks).toBe(1);
    expect(feed.waiting).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("close() after the database closed answers with what waiters had", async () => {
    const seq = store.changeSeq();
    const a = track(feed.wait(seq, 10_000));
    store.close();
    feed.close();
    await flush();
    expect(a).toEqual({ done: true, value: seq });
    expect(vi.getTimerCount()).toBe(0);
  });
});
