import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { tempDir, useCliProcesses } from "../helpers/cli.js";
import { createListDelete, hasNodeSqlite, listTools, nodeWithSqlite } from "../helpers/launch.js";
import { DEMO_WS } from "../helpers/mcp.js";

const ROOT = resolve(import.meta.dirname, "../..");
const MCPB = join(ROOT, "node_modules", ".bin", "mcpb");

interface Manifest {
  manifest_version: string;
  server: {
    entry_point: string;
    mcp_config: { command: string; args: string[]; env: Record<string, string> };
  };
  user_config: Record<
    string,
    { default?: string | number | boolean; sensitive?: boolean; required?: boolean }
  >;
  compatibility: { runtimes: { node: string } };
}

// One set of hooks for the file: the bundle built once below outlives each describe.
useCliProcesses();

let bundleFile: string | undefined;

/**
 * A fresh unpacked copy of the bundle, as the host unpacks it. The bundle is built once per
 * file (a build is seconds of work) and each caller gets its own unpacked folder.
 */
function unpackedBundle(prefix: string): string {
  if (!bundleFile) {
    bundleFile = join(tempDir("weavz-mcpb-build-"), "weavz-mcp.mcpb");
    execFileSync(
      process.execPath,
      [join(ROOT, "scripts/bundle.mjs"), "--out", bundleFile, "--no-server-json"],
      { stdio: "pipe" },
    );
  }
  const dir = join(tempDir(prefix), "unpacked");
  execFileSync(MCPB, ["unpack", bundleFile, dir], { stdio: "pipe" });
  return dir;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

/** ${__dirname} and ${user_config.KEY} substituted as the host does (unset → empty). */
function substitute(s: string, dir: string, values: Record<string, unknown>): string {
  return s
    .replaceAll(`\${__dirname}`, dir)
    .replace(/\$\{user_config\.(\w+)\}/g, (_m, k: string) => String(values[k] ?? ""));
}

// Claude Desktop runs a bundle on its own Node, which has node:sqlite. On a Node without it
// (Node 20 here) the entry runs under Node 22 from the npm registry; offline and outside CI the
// test skips, saying so.
const node = nodeWithSqlite();

describe.skipIf(!node)(
  `the Claude Desktop bundle (weavz-mcp.mcpb)${node ? "" : " — skipped: no Node with node:sqlite here and not in CI"}`,
  () => {
    let dir: string;
    let manifest: Manifest;

    beforeAll(() => {
      dir = unpackedBundle("weavz-mcpb-");
      manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
    }, 120_000);

    it("passes mcpb validate, is manifest 0.4, and carries no native module", () => {
      expect(
        execFileSync(MCPB, ["validate", join(dir, "manifest.json")], { encoding: "utf8" }),
      ).toMatch(/valid/i);
      expect(manifest.manifest_version).toBe("0.4");
      const files = walk(dir).map((f) => f.slice(dir.length + 1));
      expect(files.filter((f) => f.endsWith(".node"))).toEqual([]);
      // Only what dist/ cannot inline: no SQLite binding, no SDK or zod copies.
      const modules = new Set(
        files
          .filter((f) => f.startsWith("node_modules/"))
          .map((f) => f.split("/").slice(1, 3).join("/")),
      );
      for (const m of modules) expect(m).toMatch(/quickjs/);
      expect(files).toContain(manifest.server.entry_point);
      expect(manifest.user_config.api_key).toMatchObject({ sensitive: true, required: false });
      expect(manifest.compatibility.runtimes.node).toBe(">=22.13.0");
    });

    const launch = (values: Record<string, unknown>) => {
      const cfg = manifest.server.mcp_config;
      const env: Record<string, string> = {
        PATH: process.env.PATH ?? "",
        HOME: tempDir("weavz-mcpb-home-"),
      };
      const defaults = Object.fromEntries(
        Object.entries(manifest.user_config).map(([k, c]) => [k, c.default]),
      );
      for (const [k, v] of Object.entries(cfg.env))
        env[k] = substitute(v, dir, { ...defaults, ...values });
      return {
        // The host's own Node stands in for "node".
        command: cfg.command === "node" ? (node as string) : cfg.command,
        args: cfg.args.map((a) => substitute(a, dir, values)),
        env,
        cwd: dir,
      };
    };

    it("runs as the host runs it (no API key → embedded local API): create → list → delete", async () => {
      const tools = await createListDelete(launch({ workspace_id: DEMO_WS }), "mcpb_kv");
      expect(tools).toContain("create_workspace_integration");
    }, 90_000);

    it("read_only from user_config leaves only reading tools", async () => {
      const tools = await listTools(launch({ workspace_id: DEMO_WS, read_only: true }));
      expect(tools).toContain("list_workspace_integrations");
      expect(tools).not.toContain("create_workspace_integration");
      expect(tools).not.toContain("delete_workspace_integration");
    }, 90_000);
  },
);

describe("the bundle on a Node without node:sqlite", () => {
  it.runIf(!hasNodeSqlite())(
    "without an API key: exits 1 with one line naming the fixes (newer Node, better-sqlite3, API key)",
    () => {
      const work = tempDir("weavz-mcpb-old-");
      const run = spawnSync(
        process.execPath,
        [join(unpackedBundle("weavz-mcpb-old-"), "dist", "cli.js")],
        {
          input: "",
          encoding: "utf8",
          env: { PATH: process.env.PATH ?? "", HOME: work, WEAVZ_WORKSPACE_ID: DEMO_WS },
          timeout: 30_000,
        },
      );
      expect(run.status).toBe(1);
      expect(run.stdout).toBe("");
      expect(run.stderr).toMatch(/needs SQLite: Node v20\.[\d.]+ has no node:sqlite/);
      expect(run.stderr).toMatch(/WEAVZ_API_KEY/);
      expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
    },
    60_000,
  );
});
