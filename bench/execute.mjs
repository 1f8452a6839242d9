// Benchmark: kv-store put/get through the execute_action tool (MCP over stdio, raw JSON-RPC
// lines) against the same POST /api/v1/actions/execute sent directly to the local API with
// undici. Both paths hit one local-api process; blocks alternate to cancel noise.
// Then code.run_code latency (POST /actions/execute): with BENCH_BASE_DIST=<another dist/>
// a second local-api from that build runs the same code, blocks alternating, side by side
// (e.g. main's build before the QuickJS sandbox against this one).
// Run: npm run bench:execute   (loopback only; exits by itself)

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { Pool } from "undici";
import { localApiOrigin, percentile, restClient } from "./lib.mjs";

const ROOT = resolve(import.meta.dirname, "..");
const CLI = join(ROOT, "dist", "cli.js");
const KEY = "wvz_bench_exec_0123456789abcdef";
const CALLS = Number(process.env.BENCH_CALLS ?? 2000); // per path and action
const BLOCK = Number(process.env.BENCH_BLOCK ?? 100);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 200);
const CODE_CALLS = Number(process.env.BENCH_CODE_CALLS ?? 300);
const CODE_BLOCK = 20;
const BASE_DIST = process.env.BENCH_BASE_DIST;

if (!existsSync(CLI)) {
  console.error("dist/cli.js is missing: run `npm run build` first.");
  process.exit(1);
}
const children = [];
const dir = mkdtempSync(join(tmpdir(), "weavz-bench-exec-"));
function cleanup() {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
}
process.on("exit", cleanup);

function childEnv(extra) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("WEAVZ_")) env[k] = v;
  return { ...env, ...extra };
}

/** Starts `local-api` of the build at CLI_PATH on port 0; resolves to its origin. */
function startLocal(cliPath, db) {
  const child = spawn(
    process.execPath,
    [
      cliPath,
      "local-api",
      "--port",
      "0",
      "--db",
      db,
      "--api-key",
      KEY,
      "--no-demo",
      "--log-level",
      "warn",
    ],
    { stdio: ["ignore", "pipe", "inherit"], env: childEnv({}) },
  );
  children.push(child);
  return localApiOrigin(child);
}

// 1. The local API, seeded with a workspace and a workspace-scoped kv-store.
const url = await startLocal(CLI, join(dir, "b.db"));
const pool = new Pool(url, { connections: 1 });
const rest = restClient({ key: KEY, pool });
const ws = (await rest("POST", "/api/v1/workspaces", { name: "B", slug: "b" })).workspace.id;
await rest("POST", `/api/v1/workspaces/${ws}/integrations`, {
  integrationName: "kv-store",
  alias: "kv",
  settings: { persistence: { scope: "workspace" } },
});

// 2. The MCP server over stdio, talking to that API.
const mcp = spawn(process.execPath, [CLI], {
  stdio: ["pipe", "pipe", "inherit"],
  env: childEnv({
    WEAVZ_API_KEY: KEY,
    WEAVZ_BASE_URL: url,
    WEAVZ_TOOLSETS: "execute",
    WEAVZ_LOG_LEVEL: "warn",
  }),
});
children.push(mcp);
const pending = new Map();
let nextId = 1;
let buf = "";
mcp.stdout.setEncoding("utf8");
mcp.stdout.on("data", (d) => {
  buf += d;
  for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
    const line = buf.slice(0, i);
    buf = buf.slice(i + 1);
    if (!line) continue;
    const at = performance.now();
    const msg = JSON.parse(line);
    const p = pending.get(msg.id);
    if (p) {
      pending.delete(msg.id);
      p({ msg, at });
    }
  }
});
const rpc = (method, params) =>
  new Promise((res) => {
    const id = nextId++;
    pending.set(id, res);
    mcp.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", id, method, params })}\n`);
  });
await rpc("initialize", {
  protocolVersion: "2025-06-18",
  capabilities: {},
  clientInfo: { name: "bench", version: "0" },
});
mcp.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" })}\n`);

let n = 0;
const body = (action) =>
  action === "put"
    ? { actionName: "put", input: { key: `k${n % 50}`, value: { n: n++, text: "hello" } } }
    : { actionName: "get", input: { key: `k${n++ % 50}` } };

const viaMcp = async (action) => {
  const b = body(action);
  const t0 = performance.now();
  const { msg, at } = await rpc("tools/call", {
    name: "execute_action",
    arguments: { workspaceId: ws, integrationName: "kv-store", alias: "kv", ...b },
  });
  if (msg.error || msg.result.isError) throw new Error(JSON.stringify(msg).slice(0, 500));
  return at - t0;
};
/** Milliseconds one POST /api/v1/actions/execute of BODY takes through POOL (response read). */
async function timedExecute(p, body, label = "REST") {
  const t0 = performance.now();
  const r = await p.request({
    method: "POST",
    path: "/api/v1/actions/execute",
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await r.body.text();
  const t1 = performance.now();
  if (r.statusCode !== 200) throw new Error(`${label}: ${text}`);
  return t1 - t0;
}
const direct = (action) =>
  timedExecute(pool, {
    workspaceId: ws,
    integrationName: "kv-store",
    integrationAlias: "kv",
    ...body(action),
  });

const results = {};
for (const action of ["put", "get"]) {
  for (let i = 0; i < WARMUP; i++) {
    await viaMcp(action);
    await direct(action);
  }
  const lat = { mcp: [], direct: [] };
  for (let done = 0, b = 0; done < CALLS; done += BLOCK, b++) {
    const order = b % 2 === 0 ? ["mcp", "direct"] : ["direct", "mcp"];
    for (const which of order) {
      for (let i = 0; i < Math.min(BLOCK, CALLS - done); i++) {
        lat[which].push(await (which === "mcp" ? viaMcp : direct)(action));
      }
    }
  }
  results[action] = lat;
}

const f = (x) => x.toFixed(3).padStart(8);
console.log(
  `\nkv-store through execute_action (MCP stdio) vs POST /actions/execute direct; ${CALLS} calls each, blocks of ${BLOCK}`,
);
console.log("action |  MCP p50   MCP p99 | REST p50  REST p99 | added p50 (ms)");
for (const [action, lat] of Object.entries(results)) {
  const m50 = percentile(lat.mcp, 50);
  const d50 = percentile(lat.direct, 50);
  console.log(
    `${action.padEnd(6)} | ${f(m50)}  ${f(percentile(lat.mcp, 99))} | ${f(d50)}  ${f(percentile(lat.direct, 99))} | +${(m50 - d50).toFixed(3)}`,
  );
}
mcp.stdin.end();

// 3. code.run_code: a small program, and one that computes for a while, through REST.
const PROGRAMS = {
  small: { code: "return inputs.n * 2;", inputs: { n: 21 } },
  loop: {
    code: "let s = 0; for (let i = 0; i < 200000; i++) s += i % 7; return s;",
    inputs: {},
  },
};
async function codeTarget(label, cliPath) {
  const origin = cliPath === CLI ? url : await startLocal(cliPath, join(dir, `${label}.db`));
  const p = new Pool(origin, { connections: 1 });
  const r = restClient({ key: KEY, pool: p });
  const id = (await r("POST", "/api/v1/workspaces", { name: "C", slug: "c" })).workspace.id;
  await r("POST", `/api/v1/workspaces/${id}/integrations`, { integrationName: "code" });
  const run = (program) =>
    timedExecute(
      p,
      {
        workspaceId: id,
        integrationName: "code",
        actionName: "run_code",
        input: PROGRAMS[program],
      },
      label,
    );
  return { label, run, close: () => p.close() };
}
const targets = [await codeTarget("this", CLI)];
if (BASE_DIST) targets.push(await codeTarget("base", join(resolve(BASE_DIST), "cli.js")));
const codeLat = {};
for (const program of Object.keys(PROGRAMS)) {
  for (const t of targets) for (let i = 0; i < 20; i++) await t.run(program);
  const lat = Object.fromEntries(targets.map((t) => [t.label, []]));
  for (let done = 0, b = 0; done < CODE_CALLS; done += CODE_BLOCK, b++) {
    const order = b % 2 === 0 ? targets : [...targets].reverse();
    for (const t of order) {
      for (let i = 0; i < Math.min(CODE_BLOCK, CODE_CALLS - done); i++) {
        lat[t.label].push(await t.run(program));
      }
    }
  }
  codeLat[program] = lat;
}
console.log(
  `\ncode.run_code through POST /actions/execute; ${CODE_CALLS} runs each, blocks of ${CODE_BLOCK} alternating${BASE_DIST ? `; base = ${BASE_DIST}` : ""}`,
);
console.log(
  `program | this p50  this p99${BASE_DIST ? " | base p50  base p99 | p50 this/base" : ""}`,
);
for (const [program, lat] of Object.entries(codeLat)) {
  const t50 = percentile(lat.this, 50);
  let line = `${program.padEnd(7)} | ${f(t50)}  ${f(percentile(lat.this, 99))}`;
  if (BASE_DIST) {
    const b50 = percentile(lat.base, 50);
    line += ` | ${f(b50)}  ${f(percentile(lat.base, 99))} | ${(t50 / b50).toFixed(2)}×`;
  }
  console.log(line);
}
for (const t of targets) await t.close();
await pool.close();
cleanup();
process.exit(0);
