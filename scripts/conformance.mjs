// Runs the official MCP conformance suite (server scenarios) against weavz-mcp over HTTP, for
// both protocol eras the server speaks on its one /mcp endpoint:
//   - 2025-11-25 with the suite's release line (0.1.16), baseline conformance-baseline.yml;
//   - 2026-07-28 with the 0.2.0 alpha that has that revision's scenarios (server-stateless,
//     caching, input_required, ...), baseline conformance-2026-07-28.yml.
// The suite needs Node ≥ 22, so it runs from a Node 22 binary fetched from the npm registry.
// Each baseline lists what does not apply to weavz-mcp (the suite's own fixtures), with why;
// anything else failing, or a listed check now passing, fails the run.
// WEAVZ_CONFORMANCE_FIXTURES=1 adds the few suite fixtures weavz implements for real (today
// test_missing_capability, through the registry's client-capability check); nothing else.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const SUITES = [
  {
    name: "2025-11-25",
    pkg: "@modelcontextprotocol/conformance@0.1.16",
    args: "--expected-failures conformance-baseline.yml",
  },
  {
    name: "2026-07-28",
    pkg: "@modelcontextprotocol/conformance@0.2.0-alpha.12",
    args: "--suite all --spec-version 2026-07-28 --expected-failures conformance-2026-07-28.yml",
  },
];

const dir = mkdtempSync(join(tmpdir(), "weavz-conformance-"));
const server = spawn(process.execPath, ["dist/cli.js", "--transport", "http", "--port", "0"], {
  env: {
    ...process.env,
    WEAVZ_LOCAL_DB: join(dir, "local.db"),
    WEAVZ_API_KEY: "",
    WEAVZ_CONFORMANCE_FIXTURES: "1",
  },
  stdio: ["ignore", "pipe", "inherit"],
});
let out = "";
const url = await new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 20_000);
  server.stdout.on("data", (d) => {
    out += d;
    const m = out.match(/listening on (http:\/\/\S+\/mcp)/);
    if (m) {
      clearTimeout(timer);
      resolve(m[1]);
    }
  });
});
const failed = [];
for (const suite of SUITES) {
  console.log(`\n== conformance ${suite.name} (${suite.pkg})`);
  const run = spawnSync(
    "npx",
    ["-y", "-p", "node@22", "-p", suite.pkg, "-c", `conformance server --url ${url} ${suite.args}`],
    { stdio: "inherit", timeout: 15 * 60_000 },
  );
  if (run.status !== 0) failed.push(suite.name);
}
server.kill("SIGTERM");
rmSync(dir, { recursive: true, force: true });
console.log(
  failed.length === 0
    ? "\nconformance: both protocol revisions hold their baselines"
    : `\nconformance: FAILED for ${failed.join(", ")}`,
);
process.exit(failed.length === 0 ? 0 : 1);
