import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { CLI } from "../helpers/build.js";
import { tempDir, useCliProcesses } from "../helpers/cli.js";
import { DEMO_WS } from "../helpers/mcp.js";

/**
 * Heavy dependencies used by a small part of the server stay out of a plain start: the Redis
 * client (about 0.5 MB of the build) loads only with --redis-url, JWT verification (jose)
 * only for HTTP with OAuth. Checked by what a real stdio start on the embedded local API loads
 * (a module hook logs every file), identified by code only those libraries contain.
 */
const HOOK = resolve(import.meta.dirname, "../helpers/load-log.mjs");
const MARKERS = {
  "Redis client (node-redis)": "SocketClosedUnexpectedlyError",
  "JWT verification (jose)": "JWSSignatureVerificationFailed",
};

useCliProcesses();

describe("lazy loading", () => {
  it("a stdio start that lists integrations loads neither the Redis client nor jose", () => {
    const dir = tempDir("weavz-lazy-");
    const logFile = join(dir, "loaded.txt");
    const lines = [
      {
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: {
          protocolVersion: "2025-11-25",
          capabilities: {},
          clientInfo: { name: "lazy", version: "1" },
        },
      },
      { jsonrpc: "2.0", method: "notifications/initialized" },
      {
        jsonrpc: "2.0",
        id: 2,
        method: "tools/call",
        params: { name: "list_workspace_integrations", arguments: { workspaceId: DEMO_WS } },
      },
    ];
    const run = spawnSync(process.execPath, ["--import", HOOK, CLI], {
      input: `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`,
      encoding: "utf8",
      env: {
        PATH: process.env.PATH ?? "",
        HOME: dir,
        WEAVZ_TEST_LOAD_LOG: logFile,
        WEAVZ_LOG_LEVEL: "warn",
      },
      timeout: 30_000,
    });
    const answers = run.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const listed = answers.find((a) => a.id === 2);
    expect(listed?.result, run.stderr).toBeDefined();
    expect(listed.result.isError).not.toBe(true);
    expect(existsSync(logFile)).toBe(true);
    const loaded = readFileSync(logFile, "utf8")
      .trim()
      .split("\n")
      .map((u) => fileURLToPath(u));
    expect(loaded.length).toBeGreaterThan(3);
    for (const [lib, marker] of Object.entries(MARKERS)) {
      // The marker exists in the build (else this test proves nothing)...
      const all = spawnSync("grep", ["-rl", marker, resolve(CLI, "..")], {
        encoding: "utf8",
      }).stdout;
      expect(all.trim(), `${lib} is in dist/`).not.toBe("");
      // ...and in none of the files this start loaded.
      const hits = loaded.filter((f) => readFileSync(f, "utf8").includes(marker));
      expect(hits, `${lib} was loaded by a plain stdio start`).toEqual([]);
    }
  }, 60_000);
});
