import { createHmac, randomBytes } from "node:crypto";
import {
  hashSecret,
  hashSecretSync,
  isSlow,
  KDF_COST,
  type KdfCost,
  needsRehash,
  verifySecret,
} from "./key-hash.js";

const MAX_VERIFIED = 10_000;
/** Distinct unrecognised secrets remembered as refused (least recently used dropped first). */
const MAX_REFUSED = 1000;
/** Checks allowed to wait for the KDF slot; beyond it a check fails with KeyCheckBusy. */
const MAX_WAITING = 16;

/** Thrown when too many unrecognised secrets already wait for the KDF: answer 429 and retry. */
export class KeyCheckBusy extends Error {
  override name = "KeyCheckBusy";
}

/**
 * Verifies API keys and bearer tokens against their stored (slow, salted) forms, so that only
 * the first request with a secret pays the KDF.
 *
 * - Cache keys are tags: HMAC-SHA-256 under a random per-process key, never the secret or an
 *   unkeyed hash of it. An attacker cannot choose tag bytes, so looking a tag up in a Map
 *   reveals nothing about stored secrets by its timing.
 * - Verified: tag → the stored form it matched. Only successes go in.
 * - Refused: tag → the stored forms it failed against, for the last MAX_REFUSED tags. A bad
 *   secret sent again costs no KDF until a stored form it was not checked against appears
 *   (a key added by another process, a regenerated token).
 * - One KDF job at a time, at most MAX_WAITING queued behind it, beyond that KeyCheckBusy:
 *   a flood of distinct bad secrets occupies at most one thread-pool thread, never the event
 *   loop, and cannot build an unbounded queue. Identical checks in flight share one job.
 */
export class KeyChecker {
  /** KDF runs so far (tests use it to show that repeated bad secrets cost nothing). */
  kdfRuns = 0;
  /** Secrets answered from the verified cache so far (tests: a known secret costs no KDF). */
  cacheHits = 0;
  /** The cost of every hash this checker makes, and below which a stored form is upgraded. */
  readonly cost: Readonly<KdfCost>;

  /**
   * `cost` defaults to today's production cost (KDF_COST). Only code can lower it (tests,
   * through LocalApiOptions.kdfCost): no flag or env var reaches it.
   */
  constructor(opts: { cost?: Readonly<KdfCost> } = {}) {
    this.cost = opts.cost ?? KDF_COST;
  }

  /** The stored form of a new secret, at this checker's cost. */
  hash(secret: string): Promise<string> {
    return hashSecret(secret, this.cost);
  }

  /** hash() on the calling thread, for inside a write transaction. */
  hashSync(secret: string): string {
    return hashSecretSync(secret, this.cost);
  }
  private readonly macKey = randomBytes(32);
  private readonly verified = new Map<string, string>();
  private readonly refused = new Map<string, Set<string>>();
  private readonly inflight = new Map<string, Promise<string | undefined>>();
  private running = false;
  private readonly waiting: Array<() => void> = [];

  /** The tag of a secret within a scope ("api", "mcp:<server id>"): what the caches hold. */
  tag(scope: string, secret: string): Buffer {
    return createHmac("sha256", this.macKey).update(scope).update("\0").update(secret).digest();
  }

  /** The stored form this tag was last verified against, if any. */
  verifiedForm(tag: Buffer): string | undefined {
    const form = this.verified.get(tag.toString("base64"));
    if (form !== undefined) this.cacheHits++;
    return form;
  }

  /** Records a verification done elsewhere (a key just hashed and stored by this process). */
  remember(tag: Buffer, stored: string): void {
    this.setVerified(tag.toString("base64"), stored);
  }

  private setVerified(t: string, stored: string): void {
    this.refused.delete(t);
    this.verified.delete(t);
    this.verified.set(t, stored);
    // Only valid secrets get here, so this bound is a backstop (tokens regenerated endlessly).
    if (this.verified.size > MAX_VERIFIED) {
      const oldest = this.verified.keys().next().value;
      if (oldest !== undefined) this.verified.delete(oldest);
    }
  }

  /**
   * The stored form among `stored` that `secret` (tagged `tag`) matches, or undefined.
   * Every candidate is checked, with no early exit, so the time taken does not say which one
   * matched. A match weaker than the current cost is rehashed and handed to `upgrade(old,
   * fresh)`, which writes it if `old` is still stored and says whether it did; the form now
   * stored is returned. Throws KeyCheckBusy when the KDF queue is full.
   */
  match(
    tag: Buffer,
    secret: string,
    stored: readonly string[],
    upgrade?: (old: string, fresh: string) => boolean,
  ): Promise<string | undefined> {
    const t = tag.toString("base64");
    const failed = this.refused.get(t);
    const todo = failed ? stored.filter((s) => !failed.has(s)) : [...stored];
    if (todo.length === 0) {
      if (failed) this.touchRefused(t, failed);
      return Promise.resolve(undefined);
    }
    const key = `${t}\n${todo.join("\n")}`;
    let job = this.inflight.get(key);
    if (!job) {
      job = this.check(t, secret, todo, upgrade).finally(() => this.inflight.delete(key));
      this.inflight.set(key, job);
    }
    return job;
  }

  private async check(
    t: string,
    secret: string,
    todo: string[],
    upgrade: ((old: string, fresh: string) => boolean) | undefined,
  ): Promise<string | undefined> {
    // Unsalted (legacy) forms cost one SHA-256 each: only KDF work takes the slot.
    let release = todo.some(isSlow) ? await this.acquire() : undefined;
    try {
      let found: string | undefined;
      for (const s of todo) {
        if (isSlow(s)) this.kdfRuns++;
        const ok = await verifySecret(secret, s).catch(() => false);
        if (ok && found === undefined) found = s;
      }
      if (found === undefined) {
        const set = this.refused.get(t) ?? new Set<string>();
        for (const s of todo) set.add(s);
        this.touchRefused(t, set);
        return undefined;
      }
      let current = found;
      if (upgrade && needsRehash(found, this.cost)) {
        try {
          release ??= await this.acquire();
        } catch (err) {
          // No slot for the rehash now: the secret is valid all the same. Not cached, so a
          // later request upgrades it.
          if (err instanceof KeyCheckBusy) return found;
          throw err;
        }
        this.kdfRuns++;
        const fresh = await this.hash(secret);
        if (upgrade(found, fresh)) current = fresh;
      }
      this.setVerified(t, current);
      return current;
    } finally {
      release?.();
    }
  }

  private touchRefused(t: string, set: Set<string>): void {
    this.refused.delete(t);
    this.refused.set(t, set);
    if (this.refused.size > MAX_REFUSED) {
      const oldest = this.refused.keys().next().value;
      if (oldest !== undefined) this.refused.delete(oldest);
    }
  }

  private acquire(): Promise<() => void> {
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.running = false;
    };
    if (!this.running) {
      this.running = true;
      return Promise.resolve(release);
    }
    if (this.waiting.length >= MAX_WAITING) return Promise.reject(new KeyCheckBusy());
    return new Promise((resolve) => this.waiting.push(() => resolve(release)));
  }
}
