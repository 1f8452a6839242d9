import type { Logger } from "../log.js";
import type { ConfirmStore } from "../mcp/confirm.js";
import { createRedisConfirmStore } from "./confirm-store.js";
import { RedisCoordinator } from "./coordinator.js";
import { connectRedis, type RedisLink } from "./redis.js";
import { messageKey, RedisEventBus } from "./redis-bus.js";

export { createRedisJournal } from "./journal.js";
export { maskRedisUrl } from "./redis.js";
export { loadStateKey, StateSecretError } from "./state-secret.js";
export { RedisCoordinator, RedisEventBus };

/** Everything a replica needs to run beside others: the shared bus and the coordination. */
export interface Scale {
  /** The command and subscriber connections (the shared change journal uses them too). */
  link: RedisLink;
  bus: RedisEventBus;
  coordinator: RedisCoordinator;
  /** Confirmations every replica verifies and spends once; absent without a state key. */
  confirmStore: ConfirmStore | undefined;
  /** Releases the poller lease, then closes both connections. */
  close(): Promise<void>;
}

/**
 * Connects to Redis (in the background) and builds the bus and coordinator over it, and, given
 * the key derived from the replicas' shared state secret, the shared confirmation store.
 */
export function startScale(
  url: string,
  leaseMs: number,
  log: Logger,
  stateKey?: Uint8Array,
): Scale {
  const link = connectRedis(url, log);
  // Messages and the poller lease are signed with a key from the replicas' state secret.
  const key = stateKey ? messageKey(stateKey) : undefined;
  const bus = new RedisEventBus(link, log, undefined, key);
  const coordinator = new RedisCoordinator(link, log, { leaseMs, key });
  return {
    link,
    bus,
    coordinator,
    confirmStore: stateKey ? createRedisConfirmStore(link, stateKey) : undefined,
    close: async () => {
      await coordinator.close();
      await link.close();
    },
  };
}
