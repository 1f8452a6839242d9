import { isUsableStateSecret, STATE_SECRET_MIN_CHARS } from "../../scale/state-secret.js";
import { option, unset } from "../option-spec.js";
import { ConfigError, checked, type Parser, text, url, wholeNumber } from "../parsers.js";

/** Options of scaling out: replicas sharing one Redis. */

/** A state secret (never echoed): the same rule as for the file twin, at start. */
const stateSecret: Parser<string> = (raw, source) => {
  if (isUsableStateSecret(raw)) return raw;
  throw new ConfigError(
    `${source} must be at least ${STATE_SECRET_MIN_CHARS} characters without spaces (e.g. the output of \`openssl rand -base64 32\`), the same on every replica.`,
  );
};

export const REDIS_OPTIONS = [
  option({
    flag: "redis-url",
    env: "WEAVZ_REDIS_URL",
    group: "redis",
    key: "url",
    type: "string",
    default: "(none)",
    description:
      "Redis or Valkey (redis://[user:password@]host:port[/db], rediss:// for TLS) shared by several replicas: change notifications reach every replica's listeners, and one replica at a time polls the API. See Scaling out.",
    commands: ["mcp"],
    parse: checked(
      url({
        schemes: ["redis", "rediss"],
        example: "redis://redis:6379 or rediss://user:password@host:6380/0",
        credentials: "allowed",
        secret: true,
      }),
    ),
    fallback: unset,
  }),
  option({
    flag: "redis-lease-ms",
    env: "WEAVZ_REDIS_LEASE_MS",
    group: "redis",
    key: "leaseMs",
    type: "string",
    default: "15000",
    description:
      "With --redis-url: lifetime of the poller lease (1000-300000); when the polling replica dies another takes over within about this.",
    commands: ["mcp"],
    parse: wholeNumber(1000, 300_000, { unit: "milliseconds" }),
    fallback: () => 15_000,
  }),
  option({
    flag: "state-secret",
    env: "WEAVZ_STATE_SECRET",
    group: "redis",
    key: "stateSecret",
    type: "string",
    default: "(none)",
    description:
      "With --redis-url: a secret of 32+ characters, the same on every replica (e.g. `openssl rand -base64 32`), so a confirmation token or 2026 confirmation round issued by one replica is accepted by any, once. Without it, confirmations only work on the replica that issued them. Prefer the env var or the file twin to a flag. See Scaling out.",
    commands: ["mcp"],
    parse: stateSecret,
    fallback: unset,
  }),
  option({
    flag: "state-secret-file",
    env: "WEAVZ_STATE_SECRET_FILE",
    group: "redis",
    key: "stateSecretFile",
    type: "string",
    default: "(none)",
    description:
      "With --redis-url: read the state secret from this file (e.g. a mounted secret) instead of --state-secret.",
    commands: ["mcp"],
    parse: text,
    fallback: unset,
  }),
] as const;
