import { randomUUID } from "node:crypto";
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
  readonly stats = { published: 0, received: 0, echoesDropped: 0, publishFailed: 0 };

  constructor(
    private readonly link: RedisLink,
    private readonly log: Logger,
    private readonly channel = "weavz-mcp:events",
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
      return;
    }
    if (wire.o === this.origin) {
      this.stats.echoesDropped++;
      return;
    }
    if (typeof wire.k !== "string" || !KINDS.has(wire.k)) return;
    this.stats.received++;
    if (wire.k === "resource_updated") {
      if (typeof wire.u === "string") this.local.publish({ kind: wire.k, uri: wire.u });
      return;
    }
    this.local.publish({ kind: wire.k } as ServerEvent);
  }
}
