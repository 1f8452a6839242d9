import type { Logger } from "../log.js";
import { RedisCoordinator } from "./coordinator.js";
import { connectRedis } from "./redis.js";
import { RedisEventBus } from "./redis-bus.js";

export { maskRedisUrl } from "./redis.js";
export { RedisCoordinator, RedisEventBus };

/** Everything a replica needs to run beside others: the shared bus and the coordination. */
export interface Scale {
  bus: RedisEventBus;
  coordinator: RedisCoordinator;
  /** Releases the poller lease, then closes both connections. */
  close(): Promise<void>;
}

/** Connects to Redis (in the background) and builds the bus and coordinator over it. */
export function startScale(url: string, leaseMs: number, log: Logger): Scale {
  const link = connectRedis(url, log);
  const bus = new RedisEventBus(link, log);
  const coordinator = new RedisCoordinator(link, log, { leaseMs });
  return {
    bus,
    coordinator,
    close: async () => {
      await coordinator.close();
      await link.close();
    },
  };
}
