import type { Store } from "./store/index.js";

/** How often `PRAGMA data_version` is checked while someone waits (other processes' writes). */
export const CHANGE_POLL_MS = 100;

interface Waiter {
  since: number;
  finish(seq: number): void;
}

/**
 * The long-poll behind `GET /api/v1/changes`: waiters are answered with the new change_seq as
 * soon as it differs from theirs.
 *
 * - Writes through this Store wake waiters at once (Store.onChange, after the commit).
 * - Writes by other connections (other processes on the same file) are noticed by checking
 *   `PRAGMA data_version` every CHANGE_POLL_MS, only while at least one waiter exists: with
 *   no waiter there is no timer at all.
 */
export class ChangeFeed {
  private readonly waiters = new Set<Waiter>();
  private poller: NodeJS.Timeout | undefined;
  private lastDataVersion = 0;
  private closed = false;
  private readonly unsubscribe: () => void;
  /** Debug counter: data_version checks made so far (tests assert it stays still when idle). */
  pollTicks = 0;

  constructor(
    private readonly store: Store,
    private readonly pollMs = CHANGE_POLL_MS,
  ) {
    this.unsubscribe = store.onChange((seq) => this.wake(seq));
  }

  /** True while the data_version timer runs (only while someone waits). */
  get polling(): boolean {
    return this.poller !== undefined;
  }

  /** Requests currently held. */
  get waiting(): number {
    return this.waiters.size;
  }

  /**
   * The current change_seq: at once when `since` is undefined, differs from it, or waitMs
   * is 0; otherwise when it moves, or after waitMs (then still the current value), or when
   * `signal` aborts (the client went away) or the feed closes.
   */
  wait(since: number | undefined, waitMs: number, signal?: AbortSignal): Promise<number> {
    if (this.closed || since === undefined || waitMs <= 0 || signal?.aborted) {
      return Promise.resolve(this.store.changeSeq());
    }
    // Read data_version before change_seq: a commit landing in between then moves
    // data_version, and the first poll tick catches it.
    if (!this.poller) this.lastDataVersion = this.store.dataVersion();
    const seq = this.store.changeSeq();
    if (seq !== since) return Promise.resolve(seq);
    return new Promise<number>((resolve) => {
      let done = false;
      const finish = (value: number) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.waiters.delete(waiter);
        if (this.waiters.size === 0) this.stopPolling();
        resolve(value);
      };
      const onAbort = () => finish(since);
      const waiter: Waiter = { since, finish };
      const timer = setTimeout(() => finish(this.currentSeq(since)), waitMs);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.add(waiter);
      this.startPolling();
    });
  }

  /** Answers every held request with the current value and stops listening. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    this.stopPolling();
    for (const w of [...this.waiters]) w.finish(this.currentSeq(w.since));
  }

  private currentSeq(fallback: number): number {
    try {
      return this.store.changeSeq();
    } catch {
      return fallback;
    }
  }

  private wake(seq: number): void {
    for (const w of [...this.waiters]) if (w.since !== seq) w.finish(seq);
  }

  private startPolling(): void {
    if (this.poller || this.closed) return;
    this.poller = setInterval(() => this.tick(), this.pollMs);
    this.poller.unref();
  }

  private stopPolling(): void {
    if (!this.poller) return;
    clearInterval(this.poller);
    this.poller = undefined;
  }

  private tick(): void {
    this.pollTicks++;
    try {
      const dv = this.store.dataVersion();
      if (dv === this.lastDataVersion) return;
      this.lastDataVersion = dv;
      this.wake(this.store.changeSeq());
    } catch {
      // The database closed under us: answer everyone with what they had.
      for (const w of [...this.waiters]) w.finish(w.since);
    }
  }
}
