import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import {
  InMemoryServerEventBus,
  type ServerEvent,
  type ServerEventBus,
} from "@modelcontextprotocol/server";
import type { Logger } from "../log.js";
import type { RedisLink } from "./redis.js";

/** What travels on the channel: the sender and the event's kind and URI, nothing else. */
interface Wire {
  o: string;
  k: ServerEvent["kind"];
  u?: string;
  /** HMAC of the above under the replicas' message key (absent without a state secret). */
  s?: string;
}

/** Received events are delivered in batches this often, identical ones once per batch. */
const COALESCE_MS = 100;
/** Most distinct events delivered per batch; the rest of a burst is dropped (and counted). */
const MAX_PER_BATCH = 50;
/** Longest resource URI accepted from the channel. */
const MAX_URI = 1000;

/** The key signing Redis messages, derived from the state key (never the key itself). */
export function messageKey(stateKey: Uint8Array): Buffer {
  return createHmac("sha256", stateKey).update("weavz-mcp redis messages v1").digest();
}

/** The signature of PARTS under KEY (what signedBy checks). */
export const signParts = (key: Buffer, parts: readonly string[]) =>
  createHmac("sha256", key).update(parts.join("\0")).digest("base64url");

/** Whether SIG is the signature of PARTS (constant time). */
export function signedBy(key: Buffer, parts: readonly string[], sig: unknown): boolean {
  if (typeof sig !== "string") return false;
  const want = Buffer.from(signParts(key, parts));
  const got = Buffer.from(sig);
  return want.length === got.length && timingSafeEqual(want, got);
}

const KINDS = new Set<string>([
  "tools_list_changed",
  "prompts_list_changed",
  "resources_list_changed",
  "resource_updated",
]);

/**
 * The SDK's ServerEventBus over Redis pub/sub, so every replica's listeners (2025 sessions and
 * 2026 listen streams alike, all subscribed here) hear every replica's changes.
 *
 * `publish` delivers to this replica's listeners at once, then PUBLISHes; the copy Redis echoes
 * back carries this replica's id and is dropped, so nobody hears an event twice. Delivering
 * locally first also keeps a replica's own changes flowing to its own listeners while Redis is
 * down (only the fan-out to other replicas pauses).
 */
export class RedisEventBus implements ServerEventBus {
  private readonly local: InMemoryServerEventBus;
  /** This replica, as named in the events it publishes. */
  readonly origin = randomUUID();
  /** Counters for tests and benchmarks. */
  readonly stats = {
    published: 0,
    received: 0,
    echoesDropped: 0,
    publishFailed: 0,
    /** Messages refused: unsigned, badly signed or malformed. */
    rejected: 0,
    /** Received events merged with an identical one, or past a batch's cap. */
    coalesced: 0,
    dropped: 0,
  };
  /** Received events waiting for the next batch, by kind and URI. */
  private readonly pending = new Map<string, ServerEvent>();
  private flushTimer: NodeJS.Timeout | undefined;

  /**
   * KEY (from the replicas' state secret) signs what this replica publishes; with it, only
   * messages signed with it are heard, so whoever else can publish on Redis cannot inject
   * notifications. Without one (no state secret) messages are unsigned and taken as they come.
   */
  constructor(
    private readonly link: RedisLink,
    private readonly log: Logger,
    private readonly channel = "weavz-mcp:events",
    private readonly key?: Buffer,
  ) {
    this.local = new InMemoryServerEventBus((err) => log.debug(`event listener: ${err.message}`));
    link.sub
      .subscribe(channel, (message) => this.onMessage(message))
      .catch((err: Error) => {
        log.debug(`redis subscribe: ${err.message}`);
      });
  }

  publish(event: ServerEvent): void {
    this.local.publish(event);
    const wire: Wire = { o: this.origin, k: event.kind };
    if (event.kind === "resource_updated") wire.u = event.uri;
    if (this.key) wire.s = signParts(this.key, [wire.o, wire.k, wire.u ?? ""]);
    if (!this.link.up) {
      this.stats.publishFailed++;
      return;
    }
    this.stats.published++;
    this.link.cmd.publish(this.channel, JSON.stringify(wire)).catch((err: Error) => {
      this.stats.publishFailed++;
      this.log.debug(`redis publish: ${err.message}`);
    });
  }

  subscribe(listener: (event: ServerEvent) => void): () => void {
    return this.local.subscribe(listener);
  }

  private onMessage(message: string): void {
    let wire: Partial<Wire>;
    try {
      wire = JSON.parse(message) as Partial<Wire>;
    } catch {
      this.stats.rejected++;
      return;
    }
    if (wire.o === this.origin) {
      this.stats.echoesDropped++;
      return;
    }
    const uri = wire.u;
    if (
      typeof wire.o !== "string" ||
      typeof wire.k !== "string" ||
      !KINDS.has(wire.k) ||
      (wire.k === "resource_updated"
        ? typeof uri !== "string" || uri.length > MAX_URI
        : uri !== undefined) ||
      (this.key && !signedBy(this.key, [wire.o, wire.k, uri ?? ""], wire.s))
    ) {
      this.stats.rejected++;
      return;
    }
    this.stats.received++;
    const event = (
      wire.k === "resource_updated" ? { kind: wire.k, uri } : { kind: wire.k }
    ) as ServerEvent;
    this.enqueue(`${wire.k}\0${uri ?? ""}`, event);
  }

  /**
   * Received events go out in batches: identical ones once, at most MAX_PER_BATCH distinct
   * ones each, so a burst on the channel (a flood, or a storm of real changes) costs each
   * session a bounded number of notifications.
   */
  private enqueue(id: string, event: ServerEvent): void {
    if (this.pending.has(id)) {
      this.stats.coalesced++;
      return;
    }
    if (this.pending.size >= MAX_PER_BATCH) {
      this.stats.dropped++;
      return;
    }
    this.pending.set(id, event);
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      const batch = [...this.pending.values()];
      this.pending.clear();
      for (const e of batch) this.local.publish(e);
    }, COALESCE_MS);
    this.flushTimer.unref?.();
  }
}
