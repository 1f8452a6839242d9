import { randomBytes } from "node:crypto";
import { type ConfirmStore, ConfirmStoreUnavailableError } from "../mcp/confirm.js";
import type { RedisLink } from "./redis.js";

/** How long a confirmation waits for Redis before refusing (the user is waiting too). */
const REDIS_TIMEOUT_MS = 2000;

/**
 * The current generation of the spent-token records, created on first use. It is a random
 * id, not a time, so no clock has to agree with Redis's.
 */
const GENERATION = `local g = redis.call("GET", KEYS[1])
if g then return g end
redis.call("SET", KEYS[1], ARGV[1])
return ARGV[1]`;

/**
 * Spends a nonce once: 1 the first time, 0 when already spent, -1 when the generation the
 * token was minted under is gone (Redis lost its records: a spent mark may have been lost
 * with them, so the token cannot be trusted to be unused). One script, so the check and the
 * SET NX happen as one step whatever other replicas do.
 */
const SPEND = `if redis.call("GET", KEYS[1]) ~= ARGV[1] then return -1 end
if redis.call("SET", KEYS[2], "1", "NX", "PX", ARGV[2]) then return 1 end
return 0`;

/**
 * The confirmation store replicas share: the HMAC key derived from the secret every replica
 * is given (never stored in Redis), and the spent-nonce marks in Redis (SET NX PX, so two
 * replicas receiving one token at the same moment let exactly one through). The marks live
 * as long as a token (plus a minute for clock differences between replicas), then expire.
 * Keys carry a hash tag so both keys of the script sit in one cluster slot.
 */
export function createRedisConfirmStore(
  link: RedisLink,
  key: Uint8Array,
  prefix = "weavz-mcp:",
): ConfirmStore {
  const genKey = `${prefix}{confirm}:generation`;
  const spentKey = (nonce: string) => `${prefix}{confirm}:spent:${nonce}`;
  /** Runs one command, or throws ConfirmStoreUnavailableError when Redis is down or slow. */
  const run = async <T>(what: string, cmd: () => Promise<T>): Promise<T> => {
    if (!link.up) throw new ConfirmStoreUnavailableError("redis is not connected");
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new ConfirmStoreUnavailableError(`${what}: no answer within 2 s`)),
        REDIS_TIMEOUT_MS,
      );
    });
    try {
      return await Promise.race([cmd(), late]);
    } catch (err) {
      if (err instanceof ConfirmStoreUnavailableError) throw err;
      throw new ConfirmStoreUnavailableError(`${what}: ${(err as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    key,
    generation: () =>
      run("generation", async () =>
        String(
          await link.cmd.eval(GENERATION, {
            keys: [genKey],
            arguments: [randomBytes(16).toString("base64url")],
          }),
        ),
      ),
    async spend(nonce, generation, ttlMs) {
      const r = await run("spend", () =>
        link.cmd.eval(SPEND, {
          keys: [genKey, spentKey(nonce)],
          arguments: [generation, String(ttlMs + 60_000)],
        }),
      );
      const n = Number(r);
      return n === 1 ? "ok" : n === 0 ? "used" : "stale";
    },
  };
}
