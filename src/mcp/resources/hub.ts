import { createHash } from "node:crypto";
import type { ServerEvent, ServerEventBus } from "@modelcontextprotocol/server";
import { WeavzApiError } from "../../api/errors.js";
import type { WeavzApi } from "../../api/types.js";
import type { Logger } from "../../log.js";
import { uriParser } from "../inventory.js";
import {
  assertWorkspaceAllowed,
  ScopeDeniedError,
  type ScopedAuthInfo,
  scopeOf,
  type WorkspaceScope,
} from "../scope.js";
import type { ChangeCoordinator, HubOptions } from "./change-port.js";
import { type FeedHost, type FeedStats, type FeedTiming, runFeed } from "./feed.js";
import {
  instanceUri,
  isTemplate,
  type ResourceApi,
  type ResourceDef,
  type ResourceRef,
} from "./resource.js";

export type { ChangeCoordinator, HubOptions } from "./change-port.js";

/** What the hub calls on the API: resource reads and the change counter. */
export type HubApi = ResourceApi & Pick<WeavzApi, "waitForChange">;

/**
 * Whoever wants to hear about a resource: a 2025-era session that called resources/subscribe,
 * or a 2026-era subscriptions/listen stream. Identity only; delivery goes through the bus.
 */
export type Watcher = object;

/** What a watcher wants to hear about (a listen's filter; a subscribe is one URI). */
export interface Interest {
  uris: readonly string[];
  /** resources/list_changed. */
  listChanged: boolean;
}

interface Watched {
  watchers: Set<Watcher>;
  /** Hash of the content last seen, so only real changes notify. */
  hash: string | undefined;
}

/** The coordinator's record of the workspace list (it names resources, so it is one too). */
const WORKSPACE_LIST_KEY = "weavz://workspaces#ids";

const noop = () => {};
const digest = (value: unknown) =>
  createHash("sha1").update(JSON.stringify(value)).digest("base64");

/**
 * Process-wide resource subscriptions and the change feed behind them.
 *
 * Both eras come in through ONE entry, {@link ResourceHub.watch}: a 2025 session's
 * resources/subscribe (strict: refused when the URI cannot be watched) and a 2026 listen
 * stream (through {@link ResourceHub.listen}, the host's listen hook; lenient, since the SDK
 * acknowledges the stream itself).
 *
 * Changes are noticed by a feed that runs only while somebody watches. On the local API it
 * long-polls the change counter (`/changes`); on an API without one it re-reads the watched
 * resources with backoff. A change made through this process's tools (`changed`) is left to
 * a counter feed that has not seen it yet, and re-read at once otherwise, so it is re-read
 * once either way. A URI notifies only when its content really changed.
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
  private readonly timing: FeedTiming;
  private readonly coord: ChangeCoordinator | undefined;
  private closed = false;
  /** Counters for tests and benchmarks (refreshes: re-read rounds started; see FeedStats). */
  readonly stats: FeedStats & { refreshes: number } = {
    feedRequests: 0,
    refreshes: 0,
    notifications: 0,
    caughtUp: undefined,
  };
  /** Checks started outside the refresh queue (changed()'s, the feed's first list check). */
  private readonly inFlight = new Set<Promise<void>>();

  private readonly parseUri: (uri: string) => ResourceRef | undefined;
  /** Per-workspace resources a tool's change refreshes. */
  private readonly refreshed: readonly ResourceDef[];
  /**
   * The change counter as the running feed last saw it (undefined: no counter feed running),
   * and whether the feed has refreshed at that value or only took it as its baseline.
   */
  private counter: { seq: number; refreshed: boolean } | undefined;

  constructor(
    /** Resource reads and the change counter: all the hub asks of the API. */
    private readonly api: HubApi,
    private readonly log: Logger,
    /** Where every change is published (the one seam; see the class comment). */
    readonly bus: ServerEventBus,
    opts: HubOptions,
    /** The resources it can watch (the inventory's): a URI of no resource here never notifies. */
    resources: readonly ResourceDef[],
  ) {
    this.parseUri = uriParser(resources);
    this.refreshed = resources.filter((r) => isTemplate(r) && r.refreshOnChange !== false);
    this.timing = {
      longPollMs: opts.longPollMs ?? 20_000,
      pollMinMs: opts.pollMinMs ?? 2_000,
      pollMaxMs: opts.pollMaxMs ?? 30_000,
    };
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
   * The one entry for watching resources, for both eras. `strict` (2025 resources/subscribe)
   * rejects a URI this server does not serve (undefined is never returned for one), outside
   * `scope`, or naming a workspace that does not exist; lenient (2026 listen) skips them: a
   * listen cannot be refused per URI, such a URI just never notifies.
   */
  async watch(
    watcher: Watcher,
    interest: Interest,
    opts: { scope?: WorkspaceScope; strict?: boolean } = {},
  ): Promise<void> {
    if (interest.listChanged) {
      this.listWatchers.add(watcher);
      this.coord?.interestChanged();
      if (this.wantsFeed()) this.startFeed();
    }
    await Promise.all(
      interest.uris.map(async (uri) => {
        try {
          const ref = this.parseUri(uri);
          if (!ref) throw new Error(`Unknown resource URI ${uri}`);
          if (ref.workspaceId !== undefined) assertWorkspaceAllowed(opts.scope, ref.workspaceId);
          await this.subscribe(watcher, ref);
        } catch (err) {
          if (opts.strict) throw err;
          this.log.debug(`listen: not watching ${uri}: ${(err as Error).message}`);
        }
      }),
    );
  }

  /**
   * The host's listen hook: a 2026 subscriptions/listen stream naming a URI outside the
   * caller's workspace limit is refused (the SDK would honour it verbatim); otherwise its
   * interest enters {@link watch} until the stream ends.
   */
  readonly listen = (
    interest: Interest,
    authInfo: ScopedAuthInfo | undefined,
  ): { refusal: string } | { stop: () => void } => {
    const scope = scopeOf(authInfo);
    for (const uri of interest.uris) {
      const workspaceId = this.parseUri(uri)?.workspaceId;
      if (workspaceId === undefined) continue;
      try {
        assertWorkspaceAllowed(scope, workspaceId);
      } catch (err) {
        if (!(err instanceof ScopeDeniedError)) throw err;
        return { refusal: `${err.message} (resource ${uri})\nNext step: ${err.nextStep}` };
      }
    }
    const watcher = {};
    void this.watch(watcher, interest, { scope });
    return { stop: () => this.detach(watcher) };
  };

  /** Subscribes a watcher to a URI; reads it once so the next change is measured from now. */
  private async subscribe(watcher: Watcher, ref: ResourceRef): Promise<void> {
    const { uri } = ref;
    if (!this.watched.has(uri)) {
      let hash: string | undefined;
      try {
        hash = digest(await this.read(ref));
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

  private read(ref: ResourceRef): Promise<unknown> {
    return ref.def.read({
      api: this.api,
      uri: ref.uri,
      ...(ref.workspaceId !== undefined ? { workspaceId: ref.workspaceId } : {}),
    });
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

  /**
   * A tool changed a workspace: its watched URIs (on any replica) are re-read once. A feed
   * on a change counter that has not seen this change yet re-reads them itself when it does;
   * otherwise (no counter, the counter's baseline, a coordinator) they are re-read now.
   */
  changed(workspaceId: string): void {
    const all = this.refreshed.map((def) => instanceUri(def, workspaceId));
    const local = all.filter((u) => this.watched.has(u));
    if (this.coord) {
      // A listener on another replica hears of this change only through this replica.
      void this.track(
        this.coord
          .watchedAnywhere(all)
          .catch(() => local)
          .then((uris) => (uris.length > 0 ? this.refresh(uris) : undefined)),
      );
      return;
    }
    if (local.length === 0) return;
    if (!this.counter) {
      void this.refresh(local);
      return;
    }
    // The change is already counted (the tool's write came first): where does the counter
    // stand? Past what the feed saw: the feed re-reads. At it, after a refresh there: already
    // re-read. At the feed's baseline: the change predates the feed, so re-read now.
    void this.track(
      this.api
        .waitForChange(undefined, 0)
        .then(({ seq }) => {
          const c = this.counter;
          return c === undefined || (seq === c.seq && !c.refreshed);
        })
        .catch(() => true)
        .then((now) => (now ? this.refresh(local) : undefined)),
    );
  }

  /**
   * Resolves once no re-read is queued or running and no check is in flight (changed()'s, the
   * feed's first workspace-list check): tests settle "nothing else was notified" on it, not on
   * a sleep. A long poll waiting for the counter to move is not work in flight.
   */
  async idle(): Promise<void> {
    for (;;) {
      const queue = this.queue;
      await Promise.all([queue, ...this.inFlight]);
      if (queue === this.queue && this.inFlight.size === 0) return;
    }
  }

  /** Counts `work` as in flight until it settles (see idle()); returns it. */
  private track<T>(work: Promise<T>): Promise<T> {
    const done = work.then(noop, noop);
    this.inFlight.add(done);
    void done.then(() => this.inFlight.delete(done));
    return work;
  }

  /** Stops the feed and forgets everything (process shutdown). */
  close(): void {
    this.closed = true;
    this.watched.clear();
    this.listWatchers.clear();
    // Other replicas' interest would keep a coordinated feed wanted: stop it regardless.
    this.feed?.abort();
    this.feed = undefined;
    this.counter = undefined;
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
    const ref = this.parseUri(uri);
    if ((!w && !this.coord) || !ref) return;
    let hash: string;
    try {
      hash = digest(await this.read(ref));
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
    const host: FeedHost = {
      api: this.api,
      log: this.log,
      timing: this.timing,
      stats: this.stats,
      sawCounter: (seq, refreshed) => {
        this.counter = { seq, refreshed };
      },
      refreshWatched: async () => this.refresh(await this.feedTargets(), true),
      checkWorkspaceList: () => this.track(this.checkWorkspaceList()),
    };
    void runFeed(host, ac.signal).catch((err: unknown) => {
      if (!ac.signal.aborted) this.log.warn(`change feed stopped: ${(err as Error).message}`);
    });
  }

  private stopFeedIfIdle(): void {
    if (this.wantsFeed() || !this.feed) return;
    this.feed.abort();
    this.feed = undefined;
    this.counter = undefined;
  }

  /** What the feed re-reads: this replica's URIs, or with a coordinator every replica's. */
  private async feedTargets(): Promise<string[]> {
    const local = [...this.watched.keys()];
    if (!this.coord) return local;
    const all = await this.coord.clusterWatched().catch(() => local);
    return [...new Set([...local, ...all])];
  }
}
