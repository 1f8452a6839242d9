/**
 * Memory and concurrency attacks on the code sandbox (issue 22), against a real spawned
 * `weavz-mcp local-api` whose peak resident memory (VmHWM, Linux) is read from /proc: a
 * 1.5 GiB ArrayBuffer, code filling its whole allowance, and 40 concurrent runs each holding
 * as much memory as it may, leave the server process under 300 MB, with the runs past the
 * queue refused with a clear "busy, retry in N s" and the server healthy afterwards.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startLocalApiCli, tempDir, useCliProcesses } from "../helpers/cli.js";
import { client } from "../helpers/local-api.js";

useCliProcesses();
const KEY = "wvz_limits_0123456789abcdefghijk";
const linux = process.platform === "linux";

/** Peak resident set of a process in MB (VmHWM), from /proc. */
function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m?.[1]) / 1024;
}

describe.skipIf(!linux)("the sandbox bounds memory and concurrency in the server process", () => {
  it("a 1.5 GiB buffer, a filled allowance and 40 concurrent runs stay under 300 MB RSS", async () => {
    const cli = await startLocalApiCli([
      "--db",
      join(tempDir(), "limits.db"),
      "--api-key",
      KEY,
      "--no-demo",
    ]);
    const call = client(cli.url, KEY);
    const pid = cli.child.pid as number;
    const ws = (await call("POST", "/api/v1/workspaces", { name: "L", slug: "l" })).body.workspace
      .id;
    for (const body of [
      { integrationName: "code" },
      { integrationName: "advanced-code", settings: { advancedCode: { timeoutSeconds: 1 } } },
    ]) {
      expect((await call("POST", `/api/v1/workspaces/${ws}/integrations`, body)).status).toBe(201);
    }
    const run = (integrationName: string, code: string) =>
      call("POST", "/api/v1/actions/execute", {
        workspaceId: ws,
        integrationName,
        actionName: "run_code",
        input: integrationName === "code" ? { code } : { language: "javascript", code },
      });
    const before = peakRssMb(pid);

    const huge = await run(
      "code",
      "const b = new ArrayBuffer(1.5 * 1024 ** 3); return b.byteLength",
    );
    expect(huge.status, huge.text).toBe(400);
    expect(huge.body.details).toMatchObject({ reason: "memory", memoryLimitMb: 64 });

    const filled = await run(
      "code",
      "const held = []; for (;;) held.push(new Uint8Array(1024 * 1024).fill(7));",
    );
    expect(filled.body.details).toMatchObject({ reason: "memory" });

    // Each run holds ~56 MiB of touched memory, then spins until its 1 s timeout.
    const hog =
      "const held = []; try { for (let i = 0; i < 56; i++) held.push(new Uint8Array(1024 * 1024).fill(1)); } catch {} while (true) {}";
    const results = await Promise.all(Array.from({ length: 40 }, () => run("advanced-code", hog)));
    const refused = results.filter((r) => r.status === 429);
    const ran = results.filter((r) => r.status === 400);
    expect(refused.length + ran.length, results.map((r) => r.text).join("\n")).toBe(40);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of ran) expect(r.body.details.reason).toBe("timeout");
    for (const r of refused) {
      expect(r.body.code).toBe("RATE_LIMITED");
      expect(r.body.error).toMatch(/^The code sandbox is busy .*; retry in \d+ s\.$/);
      expect(r.body.details.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(Number(r.headers["retry-after"])).toBe(r.body.details.retryAfterSeconds);
    }

    const peak = peakRssMb(pid);
    console.log(
      `sandbox limits: server RSS ${before.toFixed(0)} MB before, peak ${peak.toFixed(0)} MB; 40 concurrent runs: ${ran.length} ran, ${refused.length} refused`,
    );
    expect(peak).toBeLessThan(300);

    // Still healthy: the API answers and code runs.
    expect((await call("GET", "/api/v1/workspaces")).status).toBe(200);
    expect((await run("code", "return 6 * 7")).body.output.result).toBe(42);
  }, 120_000);
});
