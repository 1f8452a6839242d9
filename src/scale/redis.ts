import { createClient } from "redis";
import type { Logger } from "../log.js";
import { registerSecret } from "../mask.js";

/** A Redis URL fit for logs: the password (and a user name) replaced by `***`. */
export function maskRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    if (u.username && u.username !== "default") u.username = "***";
    return u.toString();
  } catch {
    return "(an invalid Redis URL)";
  }
}

const SOCKET = {
  connectTimeout: 2000,
  // Back off to at most 2 s between attempts, forever: Redis coming back must be noticed.
  reconnectStrategy: (retries: number) => Math.min(50 * 2 ** Math.min(retries, 6), 2000),
};

/** One connection; the command one fails fast while down instead of queueing. */
const newClient = (url: string, failFast: boolean) =>
  createClient({ url, socket: SOCKET, disableOfflineQueue: failFast });

type Client = ReturnType<typeof newClient>;

/** The two connections a replica keeps: commands, and one subscriber (pub/sub needs its own). */
export interface RedisLink {
  /** Commands; fails fast while disconnected (never queues behind an outage). */
  readonly cmd: Client;
  /** The one subscriber connection; node-redis re-subscribes after a reconnect. */
  readonly sub: Client;
  /** Whether the command connection is up now. */
  readonly up: boolean;
  /** Calls back whenever the connection is (re)established, so callers (re-)share their state. */
  onReconnect(cb: () => void): void;
  close(): Promise<void>;
}

/**
 * Opens both connections without waiting for them: the server serves tool calls whether or
 * not Redis is reachable; the client retries in the background. An outage is logged once
 * (URL masked) and its end once.
 */
export function connectRedis(url: string, log: Logger): RedisLink {
  const shown = maskRedisUrl(url);
  try {
    const pw = new URL(url).password;
    if (pw) registerSecret(decodeURIComponent(pw));
  } catch {
    // Validated in config; nothing to register otherwise.
  }
  const cmd = newClient(url, true);
  // The subscriber queues its SUBSCRIBE until connected; node-redis resubscribes on reconnect.
  const sub = newClient(url, false);
  let down = false;
  const reconnectCbs: Array<() => void> = [];
  const onError = (err: Error & { code?: string }) => {
    if (down) return;
    down = true;
    log.warn(
      `redis ${shown} unreachable (${err.code ?? err.message}); change notifications across replicas pause until it is back, tool calls go on`,
    );
  };
  cmd.on("error", onError);
  sub.on("error", onError);
  cmd.on("ready", () => {
    if (down) log.info(`redis ${shown} reachable again; change notifications resume`);
    down = false;
    for (const cb of reconnectCbs) cb();
  });
  cmd.connect().catch(onError);
  sub.connect().catch(onError);
  let closed = false;
  return {
    cmd,
    sub,
    get up() {
      return cmd.isReady;
    },
    onReconnect: (cb) => reconnectCbs.push(cb),
    close: async () => {
      if (closed) return;
      closed = true;
      for (const c of [cmd, sub]) {
        // close() would wait for a connection that is not there; destroy() does not.
        if (c.isReady) await c.close().catch(() => c.destroy());
        else c.destroy();
      }
    },
  };
}
