import { WeavzApiError } from "../../api/errors.js";
import type { WeavzApi } from "../../api/types.js";
import type { Logger } from "../../log.js";

/** How the feed paces itself (the hub's HubOptions, defaults applied). */
export interface FeedTiming {
  /** Long-poll wait on the change counter. */
  longPollMs: number;
  /** Re-read interval without a counter: from pollMinMs, doubling to pollMaxMs while idle. */
  pollMinMs: number;
  pollMaxMs: number;
}

/** The counters the feed keeps (part of the hub's `stats`, for tests and benchmarks). */
export interface FeedStats {
  /** Requests the feed made: change counter requests and re-read rounds. */
  feedRequests: number;
  /** Changes published (the feed reads it to pace its backoff). */
  notifications: number;
  /**
   * The change counter value the feed watches from: its baseline, or the value it last
   * re-read at (undefined before a counter was seen). Tests wait for it to reach a write's.
   */
  caughtUp: number | undefined;
}

/** What the feed needs of the hub that runs it. */
export interface FeedHost {
  readonly api: Pick<WeavzApi, "waitForChange">;
  readonly log: Logger;
  readonly timing: FeedTiming;
  readonly stats: FeedStats;
  /** The counter as the feed saw it: its baseline (`refreshed` false) or a value it refreshed at. */
  sawCounter(seq: number, refreshed: boolean): void;
  /** Re-reads what is watched and the workspace list, notifying what really changed. */
  refreshWatched(): Promise<void>;
  /** Records the workspace list (the baseline its next check compares with). */
  checkWorkspaceList(): Promise<void>;
}

/**
 * The hub's change feed, until `signal` aborts. Against an API with a change counter it
 * long-polls it and refreshes whenever it moves; when the counter answers 404 (the hosted API
 * has none) it re-reads the watched resources with backoff instead: pollMinMs, doubling to
 * pollMaxMs while nothing changes, back to pollMinMs after a change. A failing counter request
 * is retried after pollMinMs.
 */
export async function runFeed(host: FeedHost, signal: AbortSignal): Promise<void> {
  const { api, log, stats, timing } = host;
  void host.checkWorkspaceList();
  let since: number | undefined;
  let counterSupported = true;
  let delay = timing.pollMinMs;
  while (!signal.aborted) {
    if (counterSupported) {
      try {
        stats.feedRequests++;
        const { seq } = await api.waitForChange(
          since,
          since === undefined ? 0 : timing.longPollMs,
          { signal },
        );
        const first = since === undefined;
        const moved = seq !== since;
        since = seq;
        if (signal.aborted) return;
        if (first) host.sawCounter(seq, false);
        else if (moved) {
          host.sawCounter(seq, true);
          await host.refreshWatched();
        }
        stats.caughtUp = seq;
        continue;
      } catch (err) {
        if (signal.aborted) return;
        if (err instanceof WeavzApiError && err.status === 404) {
          // The hosted API has no change counter: poll the subscribed resources instead.
          counterSupported = false;
          log.debug("change feed: no change counter upstream; polling with backoff");
          continue;
        }
        log.debug(`change feed: ${(err as Error).message}; retrying`);
        await sleep(timing.pollMinMs, signal);
        continue;
      }
    }
    await sleep(delay, signal);
    if (signal.aborted) return;
    stats.feedRequests++;
    const before = stats.notifications;
    await host.refreshWatched();
    // Back off while nothing changes; come back to the fast pace after a change.
    delay = stats.notifications > before ? timing.pollMinMs : Math.min(timing.pollMaxMs, delay * 2);
  }
}

/** Resolves after `ms`, or at once when `signal` aborts (the timer is then cleared). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
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
