import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { CLI, ensureBuilt } from "./build.js";

/** A running CLI process (`weavz-mcp local-api`, `--transport http`) and what it printed. */
export interface Cli {
  child: ChildProcess;
  /** The URL it printed: local-api's origin (http://127.0.0.1:PORT), an MCP server's /mcp. */
  url: string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children = new Set<ChildProcess>();
const dirs: string[] = [];

/**
 * For test files that spawn the CLI: builds dist/ if missing, and afterwards kills any
 * process still running and removes the temporary directories.
 */
export function useCliProcesses(): void {
  beforeAll(() => ensureBuilt(), 60_000);
  afterAll(async () => {
    // Wait for every child to be gone before removing its directory: a SIGKILL is delivered
    // asynchronously, and a child still writing its database made rmdir fail (ENOTEMPTY).
    await Promise.all(
      [...children].map((c) => {
        if (c.exitCode !== null || c.signalCode !== null) return undefined;
        const gone = new Promise<void>((res) => {
          c.once("exit", () => res());
          setTimeout(res, 5_000).unref();
        });
        c.kill("SIGKILL");
        return gone;
      }),
    );
    for (const d of dirs.splice(0)) {
      try {
        rmSync(d, { recursive: true, force: true, maxRetries: 50, retryDelay: 100 });
      } catch {
        // A leftover temporary directory is litter, not a test failure.
      }
    }
    // Generous: on a loaded machine killing children and removing their databases took >30 s.
  }, 90_000);
}

/**
 * Puts a child spawned elsewhere under useCliProcesses' cleanup: killed and waited for before
 * the temporary directories go. Without it a stdio server still exiting (or still opening its
 * database, which it does after reading stdin) recreated its directory under the removal, and
 * rmSync spent its whole retry budget (127 s) on ENOTEMPTY.
 */
export function trackChild<C extends ChildProcess>(child: C): C {
  children.add(child);
  return child;
}

/** A temporary directory, removed by useCliProcesses' afterAll. */
export function tempDir(prefix = "weavz-test-"): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

/** Spawns `node dist/cli.js ARGS` with a clean WEAVZ_* environment; tracked for cleanup. */
export function spawnCli(args: string[]): ChildProcess {
  const child = spawn(process.execPath, [CLI, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, WEAVZ_API_KEY: "", WEAVZ_LOCAL_DB: "", WEAVZ_NO_DEMO: "" },
  });
  children.add(child);
  return child;
}

/**
 * Spawns `node dist/cli.js ARGS` and waits until READY finds what it waits for in stdout so
 * far (a match whose first group is the URL); rejects if the process exits first or nothing
 * matches within TIMEOUT_MS.
 */
export function spawnCliUntil(
  args: string[],
  ready: (stdout: string) => RegExpExecArray | null,
  timeoutMs = 15_000,
): Promise<Cli> {
  const child = spawnCli(args);
  let out = "";
  let err = "";
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    child.on("exit", (code, signal) => res({ code, signal })),
  );
  return new Promise((resolveCli, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed; stderr: ${err}`)), timeoutMs);
    child.stderr?.on("data", (d: Buffer) => {
      err += d.toString();
    });
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = ready(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolveCli({ child, url: m[1], stdout: () => out, stderr: () => err, exited });
      }
    });
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`exited early with ${code}; stderr: ${err}`));
    });
  });
}

/** Spawns `node dist/cli.js local-api --port 0 …` and waits for its listening line. */
export function startLocalApiCli(args: string[]): Promise<Cli> {
  return spawnCliUntil(["local-api", "--port", "0", ...args], (out) =>
    /listening on (http:\/\/[^\s]+)\/api\/v1\n/.exec(out),
  );
}

/**
 * Spawns `node dist/cli.js --transport http --port 0 ARGS` (hosted mode against API when
 * given, e.g. a test local API) and waits for its /mcp URL (Cli.url) and client config.
 */
export function startMcpHttpCli(
  args: string[],
  api?: { apiKey: string; url: string },
): Promise<Cli> {
  const hosted = api ? ["--api-key", api.apiKey, "--base-url", api.url] : [];
  return spawnCliUntil(["--transport", "http", "--port", "0", ...hosted, ...args], (out) =>
    out.includes("mcpServers") ? /listening on (http:\/\/[^\s]+\/mcp)/.exec(out) : null,
  );
}

/** SIGTERM, then the exit code and signal. */
export async function stopCli(
  cli: Cli,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  cli.child.kill("SIGTERM");
  return cli.exited;
}

/** The outcome of one finished CLI run. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/cli.js ARGS` to completion (stdin is not a terminal) and collects its output. */
export function runCli(args: string[], timeoutMs = 30_000): Promise<CliRun> {
  const child = spawnCli(args);
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((resolveRun, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`weavz-mcp ${args.join(" ")} did not finish; stderr: ${stderr}`));
    }, timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr });
    });
  });
}

/**
 * What an SDK stdio client transport (either era) needs to spawn our built CLI: only PATH from
 * this process plus ENV, so no WEAVZ_* setting of the developer's leaks in. Pass STDERR "pipe"
 * when the test reads it; otherwise the SDK's default applies.
 */
export function cliStdio(env: Record<string, string>, stderr?: "pipe") {
  return {
    command: process.execPath,
    args: [CLI],
    env: { PATH: process.env.PATH ?? "", ...env },
    ...(stderr ? { stderr } : {}),
  };
}
