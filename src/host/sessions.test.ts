import { EventEmitter } from "node:events";
import { NodeStreamableHTTPServerTransport } from "@modelcontextprotocol/node";
import { Server } from "@modelcontextprotocol/server";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type Session, type SessionLimits, SessionTable } from "./sessions.js";

/**
 * The session table owns its clock (the sweep interval and Date.now() for lastSeen), so time
 * here is fake, Date included, and moved by hand: an idle session is open 1 ms before its
 * sweep and closed at it. Sessions are real SDK objects (a Server connected to a Streamable
 * HTTP transport, as the HTTP front door makes them); only the HTTP response a request holds
 * open is a stand-in: an EventEmitter that emits "close" when the test says the request ended.
 */

const T0 = new Date("2026-01-01T00:00:00.000Z").getTime();
const ENDPOINT = {};

const tables: SessionTable[] = [];

function table(limits: Partial<SessionLimits> = {}): SessionTable {
  const t = new SessionTable({
    max: 1000,
    idleTimeoutMs: 30 * 60_000,
    evictableAfterMs: 60_000,
    ...limits,
  });
  tables.push(t);
  return t;
}

interface Held {
  session: Session;
  /** True once the SDK server saw its transport close. */
  closed(): boolean;
}

/** A real session (SDK Server + transport), added to the table now, unused so far. */
async function open(
  t: SessionTable,
  id: string,
  extra: { owner?: unknown; endpoint?: object } = {},
): Promise<Held> {
  const transport = new NodeStreamableHTTPServerTransport({ sessionIdGenerator: () => id });
  const server = new Server({ name: "sessions-test", version: "1.0.0" });
  await server.connect(transport);
  let closed = false;
  server.onclose = () => {
    closed = true;
  };
  const session: Session = {
    transport,
    server,
    lastSeen: Date.now(),
    active: 0,
    owner: extra.owner,
    endpoint: extra.endpoint ?? ENDPOINT,
  };
  t.add(id, session);
  return { session, closed: () => closed };
}

/** The response of a request in flight: "close" when it ends. */
function request(t: SessionTable, held: Held): () => void {
  const res = new EventEmitter();
  t.use(held.session, res);
  return () => res.emit("close");
}

/** Lets the closes the table started (transport, then server) finish; time stands still. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

/** The session `id` is still open `ms` − 1 ms from now and swept, closed, at exactly `ms`. */
async function expectSweptAfter(t: SessionTable, id: string, held: Held, ms: number) {
  vi.advanceTimersByTime(ms - 1);
  await settle();
  expect(t.get(id)).toBe(held.session);
  vi.advanceTimersByTime(1);
  await settle();
  expect(t.get(id)).toBeUndefined();
  expect(held.closed()).toBe(true);
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(T0);
});

afterEach(async () => {
  for (const t of tables.splice(0)) await t.closeAll();
  vi.useRealTimers();
});

describe("SessionTable: the sweep timer", () => {
  it("exists only while sessions are held", async () => {
    const t = table();
    expect(vi.getTimerCount()).toBe(0);
    const a = await open(t, "a");
    expect(vi.getTimerCount()).toBe(1);
    await open(t, "b");
    expect(vi.getTimerCount()).toBe(1);
    t.delete("b");
    expect(vi.getTimerCount()).toBe(1);
    await t.close("a");
    expect(a.closed()).toBe(true);
    expect(t.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);

    await open(t, "c");
    expect(vi.getTimerCount()).toBe(1);
    await t.closeAll();
    expect(vi.getTimerCount()).toBe(0);

    // The last session swept away stops it too.
    await open(t, "d");
    vi.advanceTimersByTime(60 * 60_000);
    await settle();
    expect(t.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it.each([
    [1, 1000],
    [1500, 1000],
    [2000, 1000],
    [2001, 1000],
    [3000, 1500],
    [90_000, 45_000],
    [120_000, 60_000],
    [30 * 60_000, 60_000],
  ])(
    "runs every clamp(idleTimeoutMs / 2, 1 s, 60 s): idle %i ms → every %i ms",
    async (idle, every) => {
      const t = table({ idleTimeoutMs: idle });
      const sweep = vi.spyOn(t, "sweep");
      const busy = await open(t, "busy");
      // In use, so no sweep closes it and the timer keeps running.
      request(t, busy);
      vi.advanceTimersByTime(every - 1);
      expect(sweep).toHaveBeenCalledTimes(0);
      vi.advanceTimersByTime(1);
      expect(sweep).toHaveBeenCalledTimes(1);
      vi.advanceTimersByTime(every * 9);
      expect(sweep).toHaveBeenCalledTimes(10);
    },
  );
});

describe("SessionTable: idle sessions", () => {
  it("closes an idle session at the first sweep after idleTimeoutMs, not before", async () => {
    // Sweeps every 5 s from T0; a exactly 10 s idle at the 10 s sweep is not yet past it.
    const t = table({ idleTimeoutMs: 10_000 });
    const a = await open(t, "a");
    vi.advanceTimersByTime(2000);
    const b = await open(t, "b");
    vi.advanceTimersByTime(14_999 - 2000);
    await settle();
    expect(t.get("a")).toBe(a.session);
    expect(t.get("b")).toBe(b.session);
    expect(a.closed() || b.closed()).toBe(false);
    vi.advanceTimersByTime(1);
    await settle();
    expect(t.get("a")).toBeUndefined();
    expect(t.get("b")).toBeUndefined();
    expect(a.closed() && b.closed()).toBe(true);
  });

  it("a request ending resets the idle clock", async () => {
    const t = table({ idleTimeoutMs: 10_000 });
    const a = await open(t, "a");
    vi.advanceTimersByTime(9000);
    request(t, a)();
    // At 15 s a has been idle 6 s; at 20 s, 11 s.
    vi.advanceTimersByTime(15_000 - 9000);
    await settle();
    expect(t.get("a")).toBe(a.session);
    await expectSweptAfter(t, "a", a, 5000);
  });

  it("never sweeps a session in use, and sweeps it idleTimeoutMs after its request ends", async () => {
    const t = table({ idleTimeoutMs: 10_000 });
    const sweep = vi.spyOn(t, "sweep");
    const a = await open(t, "a");
    const end = request(t, a);
    expect(a.session.active).toBe(1);
    vi.advanceTimersByTime(60 * 60_000 + 1000);
    await settle();
    expect(sweep).toHaveBeenCalledTimes(720);
    expect(t.get("a")).toBe(a.session);
    expect(a.closed()).toBe(false);

    end();
    expect(a.session.active).toBe(0);
    expect(a.session.lastSeen).toBe(T0 + 60 * 60_000 + 1000);
    // Ended 1 s after a sweep: the sweep 9 s later finds it 9 s idle, the next one 14 s.
    await expectSweptAfter(t, "a", a, 14_000);
  });

  it("keeps a session with one of two requests still open", async () => {
    const t = table({ idleTimeoutMs: 10_000 });
    const a = await open(t, "a");
    const endPost = request(t, a);
    request(t, a); // a GET stream that stays open
    endPost();
    expect(a.session.active).toBe(1);
    vi.advanceTimersByTime(60 * 60_000);
    await settle();
    expect(t.get("a")).toBe(a.session);
  });
});

describe("SessionTable.makeRoom", () => {
  it("is true under the cap and closes nothing", async () => {
    const t = table({ max: 3 });
    const a = await open(t, "a");
    await open(t, "b");
    vi.advanceTimersByTime(10 * 60_000);
    await expect(t.makeRoom()).resolves.toBe(true);
    expect(t.size).toBe(2);
    expect(a.closed()).toBe(false);
  });

  it("at the cap, closes the longest-unused session that is quiet and evictable", async () => {
    const t = table({ max: 3, evictableAfterMs: 60_000 });
    const a = await open(t, "a");
    request(t, a); // the oldest, but its request (from T0) is still open
    vi.advanceTimersByTime(10_000);
    const b = await open(t, "b"); // unused since T0 + 10 s
    vi.advanceTimersByTime(10_000);
    const c = await open(t, "c"); // unused since T0 + 20 s
    vi.advanceTimersByTime(70_000);
    await expect(t.makeRoom()).resolves.toBe(true);
    expect(t.get("b")).toBeUndefined();
    expect(b.closed()).toBe(true);
    expect(t.get("a")).toBe(a.session);
    expect(t.get("c")).toBe(c.session);
    expect(a.closed() || c.closed()).toBe(false);
  });

  it("is false when every session is in use, however long ago it started", async () => {
    const t = table({ max: 2 });
    const a = await open(t, "a");
    const b = await open(t, "b");
    request(t, a);
    request(t, b);
    vi.advanceTimersByTime(10 * 60_000);
    await expect(t.makeRoom()).resolves.toBe(false);
    expect(t.size).toBe(2);
    expect(a.closed() || b.closed()).toBe(false);
  });

  it("is false while every quiet session was used within evictableAfterMs, true at it", async () => {
    const t = table({ max: 2, evictableAfterMs: 60_000 });
    const a = await open(t, "a");
    vi.advanceTimersByTime(5000);
    const b = await open(t, "b");
    vi.advanceTimersByTime(60_000 - 5000 - 1);
    await expect(t.makeRoom()).resolves.toBe(false);
    expect(t.size).toBe(2);
    vi.advanceTimersByTime(1);
    await expect(t.makeRoom()).resolves.toBe(true);
    expect(t.get("a")).toBeUndefined();
    expect(a.closed()).toBe(true);
    expect(t.get("b")).toBe(b.session);
  });
});

describe("SessionTable: closing by owner and by endpoint", () => {
  it("closeWhere closes the sessions whose owner matches and says how many", async () => {
    const t = table();
    const a1 = await open(t, "a1", { owner: "alice" });
    const b = await open(t, "b", { owner: "bob" });
    const a2 = await open(t, "a2", { owner: "alice" });
    await expect(t.closeWhere((o) => o === "alice")).resolves.toBe(2);
    expect(a1.closed() && a2.closed()).toBe(true);
    expect(b.closed()).toBe(false);
    expect([t.size, t.get("b")]).toEqual([1, b.session]);
    await expect(t.closeWhere((o) => o === "carol")).resolves.toBe(0);
    expect(t.size).toBe(1);
  });

  it("closeAll(endpoint) closes that endpoint's sessions; closeAll() the rest and the timer", async () => {
    const t = table();
    const one = {};
    const two = {};
    const x = await open(t, "x", { endpoint: one });
    const y = await open(t, "y", { endpoint: two });
    const z = await open(t, "z", { endpoint: one });
    expect([...t.of(one)]).toEqual([x.session, z.session]);
    await t.closeAll(one);
    expect(x.closed() && z.closed()).toBe(true);
    expect([...t.of(one)]).toEqual([]);
    expect([...t.of(two)]).toEqual([y.session]);
    expect(vi.getTimerCount()).toBe(1);
    await t.closeAll();
    expect(y.closed()).toBe(true);
    expect(t.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});
