/**
 * A budget of unrecognised-token checks per source (the client's address), so one source's
 * flood of guesses cannot take the shared KDF queue (16 waiting, one running) from everyone
 * else: a legitimate token used for the first time, from another source, still gets checked.
 *
 * - At most MAX_INFLIGHT checks of one source wait or run at once; more are refused at once.
 * - At most MAX_FAILURES refused tokens per source in a WINDOW_MS window; past it the source
 *   is refused without any KDF work until the window moves on.
 * Tokens already verified never reach this (they are answered from the cache). Sources are
 * bounded (least recently seen dropped), so a spread of addresses cannot grow it either.
 */

const MAX_INFLIGHT = 4;
const MAX_FAILURES = 10;
const WINDOW_MS = 60_000;
const MAX_SOURCES = 10_000;

interface SourceState {
  inflight: number;
  /** Times of recent failed checks, oldest first. */
  failures: number[];
}

/** Why a source may not start another check now, or undefined when it may. */
export type Refusal = { retryAfterSeconds: number } | undefined;

export class SourceBudget {
  private readonly sources = new Map<string, SourceState>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Starts one check for SOURCE; undefined (and the check is counted) when within budget. */
  begin(source: string): Refusal {
    const s = this.touch(source);
    const t = this.now();
    while (s.failures.length > 0 && (s.failures[0] as number) <= t - WINDOW_MS) s.failures.shift();
    if (s.failures.length >= MAX_FAILURES) {
      const wait = (s.failures[0] as number) + WINDOW_MS - t;
      return { retryAfterSeconds: Math.max(1, Math.ceil(wait / 1000)) };
    }
    if (s.inflight >= MAX_INFLIGHT) return { retryAfterSeconds: 1 };
    s.inflight++;
    return undefined;
  }

  /** Ends a check begun with {@link begin}; `failed` when the token was not accepted. */
  end(source: string, failed: boolean): void {
    const s = this.sources.get(source);
    if (!s) return;
    s.inflight = Math.max(0, s.inflight - 1);
    if (failed) s.failures.push(this.now());
    if (s.failures.length > MAX_FAILURES) s.failures.shift();
  }

  private touch(source: string): SourceState {
    let s = this.sources.get(source);
    if (s) this.sources.delete(source);
    else s = { inflight: 0, failures: [] };
    this.sources.set(source, s);
    if (this.sources.size > MAX_SOURCES) {
      for (const [k, v] of this.sources) {
        if (v.inflight > 0) continue;
        this.sources.delete(k);
        break;
      }
    }
    return s;
  }
}
