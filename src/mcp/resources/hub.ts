import { createHash } from "node:crypto";
import type { ServerEvent, ServerEventBus } from "@modelcontextprotocol/server";
import { WeavzApiError } from "../../api/errors.js";
import type { WeavzApi } from "../../api/types.js";
import type { Logger } from "../../log.js";
import { parseResourceUri, readResource, workspaceUris } from "./catalog.js";

/** Tuning of the change feed; tests and benchmarks shorten it. */
export interface HubOptions {
  /** Long-poll wait on the local API's change counter. */
  longPollMs?: number;
  /** Polling interval bounds for APIs without a change counter (the hosted API). */
  pollMinMs?: number;
  pollMaxMs?: number;
  /** Shared change state when several replicas serve one API (see ChangeCoordinator). */
  coordinator?: ChangeCoordinator;
}

/**
 * What several replicas share so a change is noticed once and notified once (Redis in
 * practice; src/scale/). Without one, the hub keeps everything in this process, as before.
 */
export interface ChangeCoordinator {
  /**
   * Records a URI's content hash for the whole cluster and resolves whether it differs from
   * the one recorded before, or undefined when there was none (then nothing is recorded:
   * only what somebody watches is). `first` (a new subscription) records only when nothing
   * is recorded yet. Rejects when the store is unreachable.
   */
  record(uri: string, hash: string, first: boolean): Promise<boolean | undefined>;
  /** Of these URIs, the ones watched on any replica (rejects when unreachable). */
  watchedAnywhere(uris: readonly string[]): Promise<string[]>;
  /** Every URI watched on any replica (rejects when unreachable). */
  clusterWatched(): Promise<string[]>;
  /** This replica's own interest changed: share it now. */
  interestChanged(): void;
  /** Whether this replica should run the change feed now (it holds the poller lease). */
  readonly feedWanted: boolean;
}

/**
 * Whoever wants to hear about a resource: a 2025-era session that called resources/subscribe,
 * or a 2026-era subscriptions/listen stream. Identity only; delivery goes through the bus.
 */
export type Watcher = object;

interface Watched {
  watchers: Set<Watcher>;
  /** Hash of the content last seen, so only real changes notify. */
  hash: string | undefined;
}

/** The coordinator's record of the workspace list (it names resources, so it is one too). */
const WORKSPACE_LIST_KEY = "weavz://workspaces#ids";

const digest = (value: unknown) =>
  createHash("sha1").update(JSON.stringify(value)).digest("base64");

/**
 * Process-wide resource subscriptions and the change feed behind them.
 *
 * Changes made through this process's tools refresh the affected URIs at once. Changes made
 * elsewhere (another MCP client or process, the dashboard) are noticed by a feed that runs
 * only while somebody watches: a 2025 session subscribed to a URI, or a 2026 listen stream
 * naming one (or asking for resource-list changes). On the local API the feed long-polls the
 * change counter (`/changes`), on an API without one it re-reads the watched resources with
 * backoff. Either way a URI notifies only when its content really changed.
 *
 * Every change leaves through ONE seam, `bus.publish` (the SDK's ServerEventBus shape): the
 * 2026 listen router and each 2025 session subscribe to that bus, so swapping the in-process
 * bus for a shared one (Redis, …) fans changes out to every replica and both eras at once.
 */
export class ResourceHub {
  private readonly watched = new Map<string, Watched>();
  /** Listen streams that asked for resources/list_changed: they keep the feed running too. */
  private readonly listWatchers = new Set<Watcher>();
  private workspacesHash: string | undefined;
  private feed: AbortController | undefined;
  private queue: Promise<void> = Promise.resolve();
  private readonly longPollMs: number;
  private readonly pollMinMs: number;
  private readonly pollMaxMs: number;
  private readonly coord: ChangeCoordinator | undefined;
  private closed = false;
  /** Counters for tests and benchmarks. */
  readonly stats = { feedRequests: 0, refreshes: 0, notifications: 0 };

  constructor(
    private readonly api: WeavzApi,
    private readonly log: Logger,
    /** Where every change is published (the one seam; see the class comment). */
    readonly bus: ServerEventBus,
    opts: HubOptions = {},
  ) {
    this.longPollMs = opts.longPollMs ?? 20_000;
    this.pollMinMs = opts.pollMinMs ?? 2_000;
    this.pollMaxMs = opts.pollMaxMs ?? 30_000;
    this.coord = opts.coordinator;
  }

  /** URIs this replica watches, with the content hash it last saw (shared with the coordinator). */
  localInterest(): { uris: Map<string, string | undefined>; listChanged: boolean } {
    const uris = new Map<string, string | undefined>();
    for (const [uri, w] of this.watched) uris.set(uri, w.hash);
    return { uris, listChanged: this.listWatchers.size > 0 };
  }

  /**
   * The coordinator's view changed (lease won or lost, interest elsewhere appeared or went):
   * start or stop the feed accordingly.
   */
  coordinationChanged(): void {
    if (this.wantsFeed()) this.startFeed();
    else this.stopFeedIfIdle();
  }

  private wantsFeed(): boolean {
    // With a coordinator one replica (the lease holder) runs the feed for all of them.
    if (this.coord) return this.coord.feedWanted;
    return this.watched.size > 0 || this.listWatchers.size > 0;
  }

  /** Whether the change feed is running (only while something is watched). */
  get feedRunning(): boolean {
    return this.feed !== undefined;
  }

  /** Publishes one change to every sink (both eras, every replica sharing the bus). */
  publish(event: ServerEvent): void {
    this.stats.notifications++;
    try {
      this.bus.publish(event);
    } catch (err) {
      this.log.debug(`publishing ${event.kind} failed: ${(err as Error).message}`);
    }
  }

  /** Forgets a closed session or listen stream and everything it watched. */
  detach(watcher: Watcher): void {
    this.listWatchers.delete(watcher);
    for (const [uri, w] of this.watched) {
      w.watchers.delete(watcher);
      if (w.watchers.size === 0) this.watched.delete(uri);
    }
    this.coord?.interestChanged();
    this.stopFeedIfIdle();
  }

  /**
   * A 2026 listen stream opened: keep the feed running for the URIs it names (ours only;
   * others are ignored) and, if asked, for resource-list changes, until `detach`.
   */
  watch(watcher: Watcher, uris: readonly string[], listChanged: boolean): void {
    if (listChanged) {
      this.listWatchers.add(watcher);
      this.coord?.interestChanged();
    }
    for (const uri of uris) {
      if (!parseResourceUri(uri)) continue;
      void this.subscribe(watcher, uri).catch((err: unknown) => {
        // A listen stream cannot be refused per URI: an unknown workspace just never notifies.
        this.log.debug(`listen: not watching ${uri}: ${(err as Error).message}`);
      });
    }
    if (this.listWatchers.size > 0 && this.wantsFeed()) this.startFeed();
  }

  /** Subscribes a watcher to a URI; reads it once so the next change is measured from now. */
  async subscribe(watcher: Watcher, uri: string): Promise<void> {
    const ref = parseResourceUri(uri);
    if (!ref) throw new Error(`Unknown resource URI ${uri}`);
    if (!this.watched.has(uri)) {
      let hash: string | undefined;
      try {
        hash = digest(await readResource(this.api, ref));
      } catch (err) {
        // A workspace that does not exist cannot be watched; a passing failure can.
        if (err instanceof WeavzApiError && err.status === 404) throw err;
        this.log.debug(`subscribe: first read of ${uri} failed: ${(err as Error).message}`);
      }
      if (hash !== undefined && this.coord) {
        // Seeds the cluster's record so a change made through another replica compares
        // against what this subscriber saw (kept if another replica recorded it first).
        await this.coord.record(uri, hash, true).catch(() => false);
      }
      if (!this.watched.has(uri)) this.watched.set(uri, { watchers: new Set(), hash });
    }
    const w = this.watched.get(uri);
    const fresh = w !== undefined && w.watchers.size === 0;
    w?.watchers.add(watcher);
    if (fresh) this.coord?.interestChanged();
    if (this.wantsFeed()) this.startFeed();
  }

  /** Whether this watcher is subscribed to the URI (2025 sessions gate their deliveries on it). */
  isSubscribed(watcher: Watcher, uri: string): boolean {
    return this.watched.get(uri)?.watchers.has(watcher) === true;
  }

  unsubscribe(watcher: Watcher, uri: string): void {
    const w = this.watched.get(uri);
    if (!w) return;
    w.watchers.delete(watcher);
    if (w.watchers.size === 0) {
      this.watched.delete(uri);
      this.coord?.interestChanged();
    }
    this.stopFeedIfIdle();
  }

  /** A tool changed a workspace: refresh its subscribed URIs (on any replica) now. */
  changed(workspaceId: string): void {
    const all = workspaceUris(workspaceId);
    const local = all.filter((u) => this.watched.has(u));
    if (!this.coord) {
      if (local.length > 0) void this.refresh(local);
      return;
    }
    // A listener on another replica hears of this change only through this replica.
    void this.coord
      .watchedAnywhere(all)
      .catch(() => local)
      .then((uris) => (uris.length > 0 ? this.refresh(uris) : undefined));
  }

  /** Stops the feed and forgets everything (process shutdown). */
  close(): void {
    this.closed = true;
    this.watched.clear();
    this.listWatchers.clear();
    // Other replicas' interest would keep a coordinated feed wanted: stop it regardless.
    this.feed?.abort();
    this.feed = undefined;
  }

  /** Re-reads URIs one batch at a time and notifies the ones whose content changed. */
  private refresh(uris: readonly string[], checkWorkspaceList = false): Promise<void> {
    this.queue = this.queue.then(async () => {
      this.stats.refreshes++;
      await Promise.all(uris.map((uri) => this.refreshOne(uri)));
      if (checkWorkspaceList) await this.checkWorkspaceList();
    });
    return this.queue;
  }

  private async refreshOne(uri: string): Promise<void> {
    const w = this.watched.get(uri);
    const ref = parseResourceUri(uri);
    if ((!w && !this.coord) || !ref) return;
    let hash: string;
    try {
      hash = digest(await readResource(this.api, ref));
    } catch (err) {
      // A workspace that vanished reads as NOT_FOUND: that too is a change to report.
      if (err instanceof WeavzApiError && err.status === 404) hash = "gone";
      else {
        this.log.debug(`refresh of ${uri} failed: ${(err as Error).message}`);
        return;
      }
    }
    if (await this.isNews(uri, hash, w?.hash)) this.publish({ kind: "resource_updated", uri });
    if (w) w.hash = hash;
  }

  /**
   * Whether content hashed `hash` is a change. With a coordinator the cluster's record
   * decides, so a change seen by several replicas is notified once; if it is unreachable,
   * this replica's own record decides (its listeners still hear of its own changes).
   */
  private async isNews(key: string, hash: string, previous: string | undefined): Promise<boolean> {
    if (this.coord) {
      try {
        const news = await this.coord.record(key, hash, false);
        if (news !== undefined) return news;
        // No record (expired, or the store restarted empty): this replica's own re-seeds it.
        await this.coord.record(key, hash, true);
      } catch {
        // Falls through to the local record.
      }
    }
    return previous !== undefined && hash !== previous;
  }

  /** The resource list names each workspace's URIs: a new or removed workspace changes it. */
  private async checkWorkspaceList(): Promise<void> {
    try {
      const { workspaces } = await this.api.listWorkspaces({ limit: 100 });
      const hash = digest(workspaces.map((w) => w.id).sort());
      if (await this.isNews(WORKSPACE_LIST_KEY, hash, this.workspacesHash)) {
        this.publish({ kind: "resources_list_changed" });
      }
      this.workspacesHash = hash;
    } catch {
      // Next round tries again.
    }
  }

  private startFeed(): void {
    if (this.feed || this.closed) return;
    const ac = new AbortController();
    this.feed = ac;
    void this.runFeed(ac.signal).catch((err: unknown) => {
      if (!ac.signal.aborted) this.log.warn(`change feed stopped: ${(err as Error).message}`);
    });
  }

  private stopFeedIfIdle(): void {
    if (this.wantsFeed() || !this.feed) return;
    this.feed.abort();
    this.feed = undefined;
  }

  /** What the feed re-reads: this replica's URIs, or with a coordinator every replica's. */
  private async feedTargets(): Promise<string[]> {
    const local = [...this.watched.keys()];
    if (!this.coord) return local;
    const all = await this.coord.clusterWatched().catch(() => local);
    return [...new Set([...local, ...all])];
  }

  private async runFeed(signal: AbortSignal): Promise<void> {
    void this.checkWorkspaceList();
    let since: number | undefined;
    let counterSupported = true;
    let delay = this.pollMinMs;
    while (!signal.aborted) {
      if (counterSupported) {
        try {
          this.stats.feedRequests++;
          const { seq } = await this.api.waitForChange(
            since,
            since === undefined ? 0 : this.longPollMs,
            { signal },
          );
          const first = since === undefined;
          const moved = seq !== since;
          since = seq;
          if (!first && moved) await this.refresh(await this.feedTargets(), true);
          continue;
        } catch (err) {
          if (signal.aborted) return;
          if (err instanceof WeavzApiError && err.status === 404) {
            // The hosted API has no change counter: poll the subscribed resources instead.
            counterSupported = false;
            this.log.debug("change feed: no change counter upstream; polling with backoff");
            continue;
          }
          this.log.debug(`change feed: ${(err as Error).message}; retrying`);
          await sleep(this.pollMinMs, signal);
          continue;
        }
      }
      await sleep(delay, signal);
      if (signal.aborted) return;
      this.stats.feedRequests++;
      const before = this.stats.notifications;
      await this.refresh(await this.feedTargets(), true);
      // Back off while nothing changes; come back to the fast pace after a change.
      delay =
        this.stats.notifications > before ? this.pollMinMs : Math.min(this.pollMaxMs, delay * 2);
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    t.unref();
    function done() {
      signal.removeEventListener("abort", done);
      clearTimeout(t);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
