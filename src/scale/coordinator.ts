import { randomUUID } from "node:crypto";
import type { Logger } from "../log.js";
import type { ChangeCoordinator, ResourceHub } from "../mcp/resources/hub.js";
import type { RedisLink } from "./redis.js";
import { signedBy, signParts } from "./redis-bus.js";

/** Tuning of the coordination; tests shorten the lease. */
export interface CoordinatorOptions {
  /** How long the poller lease lasts without renewal: the takeover time when its holder dies. */
  leaseMs: number;
  /** Key prefix, so several deployments can share one Redis. */
  prefix?: string;
  /** The replicas' message key (from the state secret): signs the lease's holder. */
  key?: Buffer | undefined;
}

/** Most watched URIs the poller takes from the shared interest (the rest wait their turn). */
export const MAX_WATCHED = 1000;
/** Takes the lease from HOLDER (ARGV[1]) only if it still holds it. */
const TAKE_OVER = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("SET", KEYS[1], ARGV[2], "PX", ARGV[3]) else return false end`;

/** Extends the lease only if this replica still holds it (check-and-extend in one step). */
const RENEW = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("PEXPIRE", KEYS[1], ARGV[2]) else return 0 end`;
/** Deletes the lease only if this replica holds it. */
const RELEASE = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) else return 0 end`;
/** The member of the interest set that stands for "resource-list changes wanted". */
const LIST_MEMBER = "*resources-list*";

/**
 * Shares the change feed's state between replicas through Redis:
 * - interest: every replica adds the URIs it watches to one sorted set, scored by an expiry it
 *   renews each tick, so a dead replica's interest fades on its own;
 * - records: the last content hash per watched URI, swapped atomically (SET … GET), so a change
 *   seen by several replicas is notified by exactly one;
 * - the poller lease (SET NX PX, renewed by check-and-extend, released on shutdown): only its
 *   holder runs the change feed (long-poll of the local API, or polling of the hosted API) for
 *   every replica's interest; when it dies, the lease expires and another replica takes it.
 */
export class RedisCoordinator implements ChangeCoordinator {
  readonly replicaId = randomUUID();
  private readonly leaseMs: number;
  private readonly tickMs: number;
  private readonly keys: {
    lease: string;
    interest: string;
    record: (uri: string) => string;
    alive: (id: string) => string;
  };
  private readonly key: Buffer | undefined;
  /** What this replica writes as the lease's value. */
  private readonly leaseValue: string;
  private hub: ResourceHub | undefined;
  private leaseUntil = 0;
  private clusterInterest = false;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private again = false;
  private closed = false;
  /** Counters for tests and benchmarks. */
  readonly stats = { leasesWon: 0, leasesLost: 0 };

  constructor(
    private readonly link: RedisLink,
    private readonly log: Logger,
    opts: CoordinatorOptions,
  ) {
    this.leaseMs = opts.leaseMs;
    this.tickMs = Math.max(50, Math.floor(opts.leaseMs / 3));
    const p = opts.prefix ?? "weavz-mcp:";
    this.keys = {
      lease: `${p}poller`,
      interest: `${p}interest`,
      record: (uri) => `${p}seen:${uri}`,
      alive: (id) => `${p}replica:${id}`,
    };
    this.key = opts.key;
    // The lease names its holder, signed when replicas share a key: a value anyone else
    // wrote is not a replica's, and is taken over.
    this.leaseValue = this.key
      ? `${this.replicaId}.${signParts(this.key, ["lease", this.replicaId])}`
      : this.replicaId;
    link.onReconnect(() => this.interestChanged());
  }

  /** Starts sharing the hub's interest and competing for the lease. */
  attach(hub: ResourceHub): void {
    this.hub = hub;
    this.timer = setInterval(() => this.interestChanged(), this.tickMs);
    this.timer.unref();
    this.interestChanged();
  }

  /** Whether this replica holds the poller lease (as far as it knows). */
  get leader(): boolean {
    return Date.now() < this.leaseUntil;
  }

  get feedWanted(): boolean {
    const mine = this.hub?.localInterest();
    const local = mine !== undefined && (mine.uris.size > 0 || mine.listChanged);
    // Redis down: nobody can coordinate, so each replica watches for its own listeners.
    if (!this.link.up) return local;
    return this.leader && (this.clusterInterest || local);
  }

  async record(uri: string, hash: string, first: boolean): Promise<boolean | undefined> {
    const key = this.keys.record(uri);
    const px = { type: "PX" as const, value: this.recordTtl() };
    if (first) {
      await this.link.cmd.set(key, hash, { condition: "NX", expiration: px });
      return undefined;
    }
    const old = await this.link.cmd.set(key, hash, { condition: "XX", expiration: px, GET: true });
    return old === null ? undefined : old !== hash;
  }

  async watchedAnywhere(uris: readonly string[]): Promise<string[]> {
    if (uris.length === 0) return [];
    const scores = await this.link.cmd.zmScore(this.keys.interest, [...uris]);
    const now = Date.now();
    return uris.filter((_, i) => {
      const s = scores[i];
      return s !== null && s !== undefined && Number(s) > now;
    });
  }

  /**
   * The URIs some replica watches now: only our resource URIs, only with an expiry a replica
   * would set (one far in the future was not written by a replica), at most MAX_WATCHED.
   */
  async clusterWatched(): Promise<string[]> {
    const now = Date.now();
    const live = await this.link.cmd.zRangeByScore(
      this.keys.interest,
      now,
      now + 4 * this.leaseMs,
      { LIMIT: { offset: 0, count: MAX_WATCHED + 1 } },
    );
    return live
      .filter((m) => m !== LIST_MEMBER && m.startsWith("weavz://") && m.length <= 1000)
      .slice(0, MAX_WATCHED);
  }

  /** Shares this replica's interest and renews or seeks the lease, soon (coalesced). */
  interestChanged(): void {
    if (this.closed) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = this.tick()
      .catch((err: unknown) => this.log.debug(`coordination: ${(err as Error).message}`))
      .finally(() => {
        this.ticking = undefined;
        this.hub?.coordinationChanged();
        if (this.again) {
          this.again = false;
          this.interestChanged();
        }
      });
  }

  /** Releases the lease so another replica takes over at once, and stops. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.ticking;
    if (this.leader && this.link.up) {
      await this.link.cmd
        .eval(RELEASE, { keys: [this.keys.lease], arguments: [this.leaseValue] })
        .catch(() => {});
    }
    this.leaseUntil = 0;
  }

  /**
   * Whether the lease's value names a live replica: signed by the replicas' key (when they
   * share one), with an expiry no longer than a lease, and a holder whose liveness key exists.
   */
  private async liveHolder(holder: string): Promise<boolean> {
    const dot = holder.indexOf(".");
    const id = this.key ? holder.slice(0, dot) : holder;
    if (this.key && (dot < 0 || !signedBy(this.key, ["lease", id], holder.slice(dot + 1))))
      return false;
    const [ttl, alive] = await Promise.all([
      this.link.cmd.pTTL(this.keys.lease),
      this.link.cmd.exists(this.keys.alive(id)),
    ]);
    return ttl >= 0 && ttl <= this.leaseMs && alive === 1;
  }

  /** A watched URI's record outlives a few missed ticks, then fades. */
  private recordTtl(): number {
    return Math.max(4 * this.leaseMs, 10_000);
  }

  private async tick(): Promise<void> {
    if (!this.hub || !this.link.up) return;
    const now = Date.now();
    const { uris, listChanged } = this.hub.localInterest();
    const until = now + 2 * this.leaseMs;
    const m = this.link.cmd.multi();
    for (const [uri, hash] of uris) {
      m.zAdd(this.keys.interest, { score: until, value: uri });
      const key = this.keys.record(uri);
      // Re-seeds records lost with a Redis restart; keeps the others alive.
      if (hash !== undefined) {
        m.set(key, hash, { condition: "NX", expiration: { type: "PX", value: this.recordTtl() } });
      }
      m.pExpire(key, this.recordTtl());
    }
    if (listChanged) m.zAdd(this.keys.interest, { score: until, value: LIST_MEMBER });
    // This replica is alive while this key is: a lease whose holder has none is taken over.
    m.set(this.keys.alive(this.replicaId), "1", {
      expiration: { type: "PX", value: 2 * this.leaseMs },
    });
    m.zRemRangeByScore(this.keys.interest, "-inf", now);
    m.zCard(this.keys.interest);
    const replies = await m.exec();
    this.clusterInterest = Number(replies[replies.length - 1]) > 0;

    const started = Date.now();
    if (this.leader) {
      const kept = await this.link.cmd.eval(RENEW, {
        keys: [this.keys.lease],
        arguments: [this.leaseValue, String(this.leaseMs)],
      });
      if (Number(kept) === 1) this.leaseUntil = started + this.leaseMs;
      else {
        this.leaseUntil = 0;
        this.stats.leasesLost++;
        this.log.info("change feed: poller lease lost; another replica polls");
      }
    }
    if (!this.leader) {
      let won = await this.link.cmd.set(this.keys.lease, this.leaseValue, {
        condition: "NX",
        expiration: { type: "PX", value: this.leaseMs },
      });
      if (won !== "OK") {
        const holder = await this.link.cmd.get(this.keys.lease);
        if (holder !== null && holder !== this.leaseValue && !(await this.liveHolder(holder))) {
          const taken = await this.link.cmd.eval(TAKE_OVER, {
            keys: [this.keys.lease],
            arguments: [holder, this.leaseValue, String(this.leaseMs)],
          });
          if (taken === "OK") {
            won = "OK";
            this.log.warn(
              "change feed: took over a poller lease held by no live replica (squatted, or its holder died)",
            );
          }
        }
      }
      if (won === "OK") {
        this.leaseUntil = started + this.leaseMs;
        this.stats.leasesWon++;
        this.log.info("change feed: this replica holds the poller lease");
      }
    }
  }
}
