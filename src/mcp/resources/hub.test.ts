// The change hub's clock, under fake timers: when the feed re-reads, how it backs off, what it
// retries and when it stops. Only the API is a stand-in: the hosted API (no change counter, so
// /changes answers 404) is not reachable here, and under fake timers a real local API could not
// answer; the stand-in implements exactly the calls the hub and the inventory's resource reads
// make (HubApi), over data held in memory. The hub, the resources (the inventory's RESOURCES),
// the feed and the SDK's in-process event bus are the real ones.
import { InMemoryServerEventBus, type ServerEvent } from "@modelcontextprotocol/server";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { WeavzAbortError, WeavzApiError, WeavzConnectionError } from "../../api/errors.js";
import type { CallOptions } from "../../api/types.js";
import type { Workspace, WorkspaceIntegrationList } from "../../domain/index.js";
import type { ChangePage } from "../../domain/journal.js";
import type { GetMcpServerResult, McpServerList } from "../../domain/mcp-server.js";
import { silentLogger } from "../../log.js";
import { RESOURCES } from "../inventory.js";
import type { HubOptions } from "./change-port.js";
import { type HubApi, ResourceHub } from "./hub.js";

const WS = "ws_1";
const INTEGRATIONS = `weavz://workspaces/${WS}/integrations`;
const STAMP = "2026-01-01T00:00:00.000Z";

const workspace = (id: string): Workspace => ({
  id,
  orgId: "org_1",
  name: id,
  slug: id.replace("_", "-"),
  createdAt: STAMP,
  updatedAt: STAMP,
});

const notFound = (path: string) =>
  new WeavzApiError({ status: 404, code: "NOT_FOUND", message: "Not found", method: "GET", path });

/** How the stand-in answers `GET /changes`. */
type CounterMode = "counter" | "none" | "failing";

/**
 * Stand-in for the Weavz API (see the comment at the top): one workspace whose integrations a
 * test changes by hand, and a change counter that is a local API's (`counter`), absent as on
 * the hosted API (`none`: 404), or unreachable (`failing`). Long polls are answered by hand
 * (`wake`, as the local API does when its counter moves) or when their wait runs out.
 */
class StandInApi implements HubApi {
  seq = 0;
  readonly workspaces: Workspace[] = [workspace(WS)];
  private integrations: WorkspaceIntegrationList["integrations"] = [];
  /** When (fake clock) each read of WS's integrations happened. */
  readonly reads: number[] = [];
  /** When (fake clock) each change counter request was made. */
  readonly waits: number[] = [];
  /** Reads of the other per-workspace resources (none is watched in these tests). */
  otherReads = 0;
  /** While set, the workspace list and counter reads that do not wait wait for it to settle. */
  hold: Promise<void> | undefined;
  private readonly pending = new Set<() => void>();

  constructor(public mode: CounterMode) {}

  /** Sets `hold` until the function returned is called. */
  holdReads(): () => void {
    let release = () => {};
    this.hold = new Promise((r) => {
      release = r;
    });
    return () => release();
  }

  /** A write as the local API makes one: new content, and the counter moves. */
  write(alias: string): void {
    this.integrations = [
      ...this.integrations,
      {
        id: `int_${alias}`,
        workspaceId: WS,
        orgId: "org_1",
        integrationName: "kv-store",
        alias,
        displayName: null,
        connectionStrategy: "fixed",
        connectionId: null,
        enabledActions: null,
        sortOrder: 0,
        createdAt: STAMP,
        updatedAt: STAMP,
      },
    ];
    this.seq++;
  }

  /** Answers every waiting long poll with the counter as it stands. */
  wake(): void {
    for (const answer of [...this.pending]) answer();
  }

  async listWorkspaces() {
    if (this.hold) await this.hold;
    return { workspaces: [...this.workspaces], total: this.workspaces.length };
  }

  async listWorkspaceIntegrations(workspaceId: string): Promise<WorkspaceIntegrationList> {
    if (workspaceId !== WS) throw notFound(`/workspaces/${workspaceId}/integrations`);
    this.reads.push(Date.now());
    return { integrations: [...this.integrations], total: this.integrations.length };
  }

  async listMcpServers(): Promise<McpServerList> {
    this.otherReads++;
    return { servers: [], total: 0 };
  }

  async getMcpServer(id: string): Promise<GetMcpServerResult> {
    throw notFound(`/mcp/servers/${id}`);
  }

  async listChanges(): Promise<ChangePage> {
    this.otherReads++;
    return { entries: [], total: 0 };
  }

  async waitForChange(since: number | undefined, waitMs: number, opts?: CallOptions) {
    this.waits.push(Date.now());
    if (this.mode === "none") throw notFound("/changes");
    if (this.mode === "failing") {
      throw new WeavzConnectionError("connect ECONNREFUSED", "GET", "/api/v1/changes", 1);
    }
    if (waitMs === 0 && this.hold) await this.hold;
    if (waitMs > 0 && since === this.seq) await this.longPoll(waitMs, opts?.signal);
    return { seq: this.seq };
  }

  private longPoll(waitMs: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      const answer = () => {
        clearTimeout(timer);
        this.pending.delete(answer);
        signal?.removeEventListener("abort", abort);
        resolve();
      };
      const abort = () => {
        clearTimeout(timer);
        this.pending.delete(answer);
        reject(new WeavzAbortError("The request was aborted"));
      };
      const timer = setTimeout(answer, waitMs);
      this.pending.add(answer);
      signal?.addEventListener("abort", abort, { once: true });
    });
  }
}

let api: StandInApi;
let hub: ResourceHub;
let events: ServerEvent[];

function start(mode: CounterMode, opts: HubOptions = {}) {
  api = new StandInApi(mode);
  const bus = new InMemoryServerEventBus();
  events = [];
  bus.subscribe((e) => events.push(e));
  hub = new ResourceHub(api, silentLogger, bus, opts, RESOURCES);
}

/** Advances the fake clock to `t` ms after the test's start, running what falls due. */
const at = (t: number) => vi.advanceTimersByTimeAsync(t - Date.now());
/** Lets pending promise chains finish without moving the clock. */
const settle = () => vi.advanceTimersByTimeAsync(0);
/** Whether hub.idle() has settled yet (read it after settle()). */
const idleWatch = () => {
  const seen = { idle: false };
  void hub.idle().then(() => {
    seen.idle = true;
  });
  return seen;
};
/** hub.idle() stays pending while a read is held and resolves once `release` lets it go. */
const expectIdleOnlyAfter = async (release: () => void) => {
  const idle = idleWatch();
  await settle();
  expect(idle.idle).toBe(false);
  release();
  await settle();
  expect(idle.idle).toBe(true);
};
const updates = () => events.filter((e) => e.kind === "resource_updated");
const subscribe = (watcher: object, uri = INTEGRATIONS) =>
  hub.watch(watcher, { uris: [uri], listChanged: false }, { strict: true });

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  hub.close();
  vi.useRealTimers();
});

describe("change feed without a change counter (as the hosted API)", () => {
  beforeEach(() => start("none", { pollMinMs: 100, pollMaxMs: 800 }));

  it("re-reads at pollMinMs, doubling to pollMaxMs while nothing changes", async () => {
    await subscribe({});
    expect(api.reads).toEqual([0]); // the subscribe's own read, the baseline
    expect(hub.feedRunning).toBe(true);
    await at(99);
    expect(api.reads).toEqual([0]);
    await at(100);
    expect(api.reads).toEqual([0, 100]);
    await at(299);
    expect(api.reads).toHaveLength(2);
    await at(300);
    expect(api.reads).toEqual([0, 100, 300]);
    await at(1499);
    expect(api.reads).toEqual([0, 100, 300, 700]);
    await at(3100);
    expect(api.reads).toEqual([0, 100, 300, 700, 1500, 2300, 3100]);
    // One 404 from the counter, then one request per re-read; nothing changed, nothing said.
    expect(api.waits).toEqual([0]);
    expect(hub.stats.feedRequests).toBe(7);
    expect(events).toEqual([]);
  });

  it("comes back to pollMinMs after a change, and notifies once per real change", async () => {
    await subscribe({});
    await at(800);
    api.write("first");
    await at(1499);
    expect(updates()).toEqual([]);
    await at(1500);
    expect(updates()).toEqual([{ kind: "resource_updated", uri: INTEGRATIONS }]);
    // Back to the fast pace, then backing off again; unchanged re-reads say nothing.
    await at(3000);
    expect(api.reads).toEqual([0, 100, 300, 700, 1500, 1600, 1800, 2200, 3000]);
    expect(updates()).toHaveLength(1);
    api.write("second");
    await at(3800);
    expect(api.reads.slice(-2)).toEqual([3000, 3800]);
    expect(updates()).toHaveLength(2);
    await at(3900);
    expect(api.reads.at(-1)).toBe(3900);
    expect(updates()).toHaveLength(2);
    expect(events.filter((e) => e.kind !== "resource_updated")).toEqual([]);
  });

  it("tells list_changed listeners once when the workspace list changes", async () => {
    const listener = hub.listen({ uris: [], listChanged: true }, undefined);
    expect("stop" in listener).toBe(true);
    await settle();
    expect(hub.feedRunning).toBe(true);
    // The feed took the list as it was when it started: a workspace added before its first
    // re-read is news at that re-read.
    await at(50);
    api.workspaces.push(workspace("ws_2"));
    await at(99);
    expect(events).toEqual([]);
    await at(100);
    expect(events).toEqual([{ kind: "resources_list_changed" }]);
    await at(3100);
    expect(events).toHaveLength(1);
    if ("stop" in listener) listener.stop();
    expect(hub.feedRunning).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("idle() waits for the feed's first read of the workspace list", async () => {
    const release = api.holdReads();
    await subscribe({});
    await expectIdleOnlyAfter(release);
  });

  it("stops when the last watcher leaves: no timer left, nothing read for a minute", async () => {
    const [a, b] = [{}, {}];
    await subscribe(a);
    await subscribe(b);
    expect(api.reads).toEqual([0]); // the second subscriber shares the first one's baseline
    await at(300);
    hub.unsubscribe(a, INTEGRATIONS);
    expect(hub.feedRunning).toBe(true);
    await at(700);
    expect(api.reads).toEqual([0, 100, 300, 700]);
    hub.detach(b);
    expect(hub.feedRunning).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
    await at(60_700);
    expect(api.reads).toHaveLength(4);
    expect(hub.stats.feedRequests).toBe(4);
    // A new subscriber starts it again, from pollMinMs.
    await subscribe(a);
    await vi.advanceTimersByTimeAsync(100);
    expect(api.reads).toEqual([0, 100, 300, 700, 60_700, 60_800]);
  });

  it("close() stops the feed and every timer", async () => {
    await subscribe({});
    await at(300);
    hub.close();
    expect(hub.feedRunning).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
    await at(60_300);
    expect(api.reads).toEqual([0, 100, 300]);
    // A closed hub starts no feed again.
    await subscribe({});
    expect(hub.feedRunning).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("changed(): re-reads the tool's workspace at once, and only what is watched", async () => {
    await subscribe({});
    await at(50);
    hub.changed("ws_other");
    api.write("by_tool");
    hub.changed(WS);
    await settle();
    expect(api.reads).toEqual([0, 50]);
    expect(api.otherReads).toBe(0); // mcp-tools and history of WS are not watched
    expect(updates()).toHaveLength(1);
    // The feed's own re-read finds nothing new.
    await at(100);
    expect(api.reads).toEqual([0, 50, 100]);
    expect(updates()).toHaveLength(1);
  });
});

describe("change feed against a failing change counter", () => {
  it("retries after exactly pollMinMs each time, without backing off", async () => {
    start("failing", { pollMinMs: 100, pollMaxMs: 800, longPollMs: 5000 });
    await subscribe({});
    expect(api.waits).toEqual([0]);
    await at(99);
    expect(api.waits).toHaveLength(1);
    await at(100);
    expect(api.waits).toEqual([0, 100]);
    await at(1000);
    expect(api.waits).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
    expect(api.reads).toEqual([0]); // a failing counter is retried, not polled around
    // Reachable again: the next attempt takes its baseline and long-polls from there.
    api.mode = "counter";
    await at(1100);
    expect(api.waits.slice(-2)).toEqual([1100, 1100]);
    await at(6099);
    expect(api.waits).toHaveLength(13);
    await at(6100);
    expect(api.waits).toHaveLength(14);
    expect(hub.stats.feedRequests).toBe(14);
    expect(api.reads).toEqual([0]);
  });
});

describe("change feed on a change counter (as the local API)", () => {
  beforeEach(() => start("counter", { pollMinMs: 100, pollMaxMs: 800, longPollMs: 1000 }));

  /** Subscribed, the feed has its baseline and waits in a long poll. */
  async function watching() {
    await subscribe({});
    await settle();
    expect(api.waits).toEqual([0, 0]); // baseline, then the long poll
    expect(vi.getTimerCount()).toBe(1); // the long poll's wait; no polling timer
  }

  it("refreshes once when the counter moves, never when a long poll ends unmoved", async () => {
    await watching();
    await at(1000);
    expect(api.waits).toEqual([0, 0, 1000]);
    expect(hub.stats.refreshes).toBe(0);
    expect(api.reads).toEqual([0]);
    await at(1500);
    api.write("outside");
    api.wake();
    await settle();
    expect(hub.stats.refreshes).toBe(1);
    expect(api.reads).toEqual([0, 1500]);
    expect(updates()).toEqual([{ kind: "resource_updated", uri: INTEGRATIONS }]);
    expect(api.waits).toEqual([0, 0, 1000, 1500]);
    await at(60_000);
    expect(hub.stats.refreshes).toBe(1);
    expect(api.reads).toHaveLength(2);
  });

  it("stops its long poll when the last watcher leaves", async () => {
    const w = {};
    await subscribe(w);
    await settle();
    hub.unsubscribe(w, INTEGRATIONS);
    expect(hub.feedRunning).toBe(false);
    await settle();
    expect(vi.getTimerCount()).toBe(0);
    await at(60_000);
    expect(api.waits).toEqual([0, 0]);
  });

  it("changed() before the feed sees the change: left to the feed, re-read once", async () => {
    await watching();
    api.write("by_tool");
    hub.changed(WS);
    await settle();
    expect(hub.stats.refreshes).toBe(0);
    api.wake();
    await settle();
    expect(hub.stats.refreshes).toBe(1);
    expect(api.reads).toEqual([0, 0]);
    expect(updates()).toHaveLength(1);
  });

  it("changed() after the feed refreshed at that change: not re-read again", async () => {
    await watching();
    api.write("by_tool");
    api.wake();
    await settle();
    expect(hub.stats.refreshes).toBe(1);
    hub.changed(WS);
    await settle();
    expect(hub.stats.refreshes).toBe(1);
    expect(api.reads).toHaveLength(2);
    expect(updates()).toHaveLength(1);
  });

  it("reports the counter value it caught up with; idle() waits for changed()'s check", async () => {
    await watching();
    expect(hub.stats.caughtUp).toBe(0);
    const release = api.holdReads();
    api.write("by_tool");
    hub.changed(WS); // its check of the counter now waits on the stand-in
    await expectIdleOnlyAfter(release);
    expect(hub.stats.caughtUp).toBe(0); // the long poll has not answered yet
    api.wake();
    await settle();
    expect(hub.stats.caughtUp).toBe(1);
    expect(hub.stats.refreshes).toBe(1);
  });

  it("changed() at the feed's baseline (the change predates it): re-read at once", async () => {
    const release = api.holdReads();
    await subscribe({}); // reads the content before the tool's write
    api.write("by_tool");
    release(); // the feed's baseline is the counter after the write
    api.hold = undefined;
    await settle();
    expect(api.waits).toEqual([0, 0]);
    expect(hub.stats.refreshes).toBe(0);
    hub.changed(WS);
    await settle();
    expect(hub.stats.refreshes).toBe(1);
    expect(updates()).toEqual([{ kind: "resource_updated", uri: INTEGRATIONS }]);
    // The feed does not re-read it again: its counter has not moved since.
    await at(5000);
    expect(hub.stats.refreshes).toBe(1);
    expect(api.reads).toHaveLength(2);
  });
});
