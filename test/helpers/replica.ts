import type { ChildProcess } from "node:child_process";
import { startMcpHttpCli } from "./cli.js";
import { DEMO_WS } from "./mcp.js";

/** One `weavz-mcp --transport http` process (a replica behind a load balancer). */
export interface Replica {
  child: ChildProcess;
  /** The /mcp endpoint. */
  url: string;
  stderr(): string;
  /** SIGKILL: the replica dies without releasing anything. */
  kill(): Promise<void>;
  /** SIGTERM: a graceful stop (releases the poller lease). */
  stop(): Promise<void>;
}

/** Spawns a replica on port 0 with ARGS and waits for its listening line. */
export async function startReplica(args: string[]): Promise<Replica> {
  const { child, url, stderr, exited } = await startMcpHttpCli(args);
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return { child, url, stderr, kill: () => end("SIGKILL"), stop: () => end("SIGTERM") };
}

/**
 * The flags every replica in a test needs: the local API's key, the API base URL (the local
 * API or a proxy in front of it), the shared Redis and the demo workspace; EXTRA flags follow.
 */
export function replicaArgs(
  apiKey: string,
  baseUrl: string,
  redisUrl: string,
  extra: string[] = [],
): string[] {
  return [
    "--api-key",
    apiKey,
    "--base-url",
    baseUrl,
    "--redis-url",
    redisUrl,
    "--workspace-id",
    DEMO_WS,
    ...extra,
  ];
}
