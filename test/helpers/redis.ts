import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, constants, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";

/** Where redis-server is (PATH, then Debian's /usr/bin and /usr/sbin), or undefined. */
export function findRedisServer(): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/bin", "/usr/sbin"];
  for (const d of dirs) {
    if (!d) continue;
    const p = join(d, "redis-server");
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

/** Whether this is a CI run (CI set, as .ci/run and every CI service do): nothing may skip. */
export const IN_CI = !!process.env.CI && !/^(0|false)$/i.test(process.env.CI);

const MISSING = "redis-server not found (install the Debian package redis-server; .ci/run does)";

/**
 * Why Redis-backed tests are skipped, or undefined when they run. Under CI they always run,
 * so a missing redis-server fails them (startTestRedis throws) instead of passing by skipping.
 */
export const REDIS_SKIP_REASON =
  findRedisServer() || IN_CI ? undefined : `${MISSING}: skipping the Redis scale-out tests`;

/** A free loopback port (bound, then released: redis-server has no port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A real redis-server on a loopback port, in its own temp dir, persisting nothing. */
export interface TestRedis {
  url: string;
  port: number;
  /** Kills the server (SIGKILL: as if the host died). */
  kill(): Promise<void>;
  /** Starts it again on the same port, empty. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** Starts redis-server on a free loopback port and waits until it accepts connections. */
export async function startTestRedis(opts: { password?: string } = {}): Promise<TestRedis> {
  const bin = findRedisServer();
  if (!bin) throw new Error(`${MISSING}; CI runs the Redis tests and fails without it`);
  const dir = mkdtempSync(join(tmpdir(), "weavz-redis-"));
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = () =>
    new Promise<void>((resolve, reject) => {
      const c = spawn(
        bin,
        [
          "--port",
          String(port),
          "--bind",
          "127.0.0.1",
          "--save",
          "",
          "--appendonly",
          "no",
          "--dir",
          dir,
          ...(opts.password ? ["--requirepass", opts.password] : []),
        ],
        { stdio: ["ignore", "pipe", "pipe"] },
      );
      child = c;
      let out = "";
      const t = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 10_000);
      c.stdout?.on("data", (d: Buffer) => {
        out += d.toString();
        if (out.includes("Ready to accept connections")) {
          clearTimeout(t);
          resolve();
        }
      });
      c.once("exit", (code) => {
        clearTimeout(t);
        reject(new Error(`redis-server exited with ${code}: ${out}`));
      });
    });
  const kill = async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise((r) => c.once("exit", r));
    c.kill("SIGKILL");
    await gone;
  };
  await start();
  return {
    url: opts.password
      ? `redis://:${encodeURIComponent(opts.password)}@127.0.0.1:${port}`
      : `redis://127.0.0.1:${port}`,
    port,
    kill,
    restart: start,
    close: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
