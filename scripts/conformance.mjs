// Runs the official MCP conformance suite (server scenarios) against weavz-mcp over HTTP.
// The suite needs Node ≥ 22, so it runs from a Node 22 binary fetched from the npm registry.
// Scenarios that need the suite's own fixtures are listed in conformance-baseline.yml.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dir = mkdtempSync(join(tmpdir(), "weavz-conformance-"));
const server = spawn(process.execPath, ["dist/cli.js", "--transport", "http", "--port", "0"], {
  env: { ...process.env, WEAVZ_LOCAL_DB: join(dir, "local.db"), WEAVZ_API_KEY: "" },
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
const run = spawnSync(
  "npx",
  [
    "-y",
    "-p",
    "node@22",
    "-p",
    "@modelcontextprotocol/conformance@0.1.16",
    "-c",
    `conformance server --url ${url} --expected-failures conformance-baseline.yml`,
  ],
  { stdio: "inherit" },
);
server.kill("SIGTERM");
rmSync(dir, { recursive: true, force: true });
process.exit(run.status ?? 1);
