// Benchmark: installing weavz-mcp and running it on each SQLite driver, side by side.
//
// 1. Tarball install (npm pack → npm install <tgz> in a temp dir, each with its own empty npm
//    cache, so every package is fetched from the registry as on a new machine):
//      - Node 20 (this Node): optionalDependencies included, so better-sqlite3 compiles;
//      - Node 22 (npx -p node@22) with --omit=optional: no native module at all.
//    Time, installed size (node_modules) and package count of each.
// 2. Per driver, measured interleaved on one machine:
//      - node:sqlite on Node 22 (the install above);
//      - better-sqlite3 on Node 22 (13, prebuilt, the same JS API; WEAVZ_SQLITE_DRIVER forces it),
//        so the comparison holds the Node version fixed;
//      - better-sqlite3 12 on Node 20 (the Node 20 install), for reference.
//    Cold start (spawn → initialize → first list_workspace_integrations answered, embedded local
//    API on an existing database), per-call latency over stdio (list: read; update: a write
//    transaction), and the local API's list throughput (GET of 1,000 integrations, 10 at a time).
//
//   npm run bench:install        (network: the npm registry only; temp dirs, removed at exit)
// BENCH_COLD_RUNS (default 8), BENCH_CALLS (default 200), BENCH_LIST_REQUESTS (default 1000).
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { localApiOrigin, percentile } from "./lib.mjs";

const ROOT = resolve(import.meta.dirname, "..");
const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 8);
const CALLS = Number(process.env.BENCH_CALLS ?? 200);
const LIST_REQUESTS = Number(process.env.BENCH_LIST_REQUESTS ?? 1000);
const DEMO_WS = "a1b2c3d4-e5f6-7890-abcd-ef1234567890";
const KEY = "wvz_bench_install_key_0123456789";

const tmp = mkdtempSync(join(tmpdir(), "weavz-bench-install-"));
const children = new Set();
process.on("exit", () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  rmSync(tmp, { recursive: true, force: true });
});
const log = (m) => process.stderr.write(`${m}\n`);
const sh = (cmd, args, opts = {}) =>
  execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], ...opts });

// ---------------------------------------------------------------------------------------------
// 1. Installs

function du(dir) {
  let bytes = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) continue;
    bytes += st.isDirectory() ? du(p) : st.size;
  }
  return bytes;
}

/** Installed packages: every node_modules/<name> (or @scope/<name>) with a package.json. */
function packages(nm) {
  let n = 0;
  const native = [];
  const visit = (dir) => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir)) {
      if (name.startsWith(".")) continue;
      const p = join(dir, name);
      if (name.startsWith("@")) {
        visit(p);
        continue;
      }
      if (existsSync(join(p, "package.json"))) n++;
      visit(join(p, "node_modules"));
    }
  };
  visit(nm);
  const findNative = (dir) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const st = statSync(p, { throwIfNoEntry: false });
      if (st?.isDirectory()) findNative(p);
      else if (name.endsWith(".node")) native.push(p.slice(nm.length + 1));
    }
  };
  findNative(nm);
  return { count: n, native };
}

/** The newest Node of a major, as a binary path (npx -p node@major; cached by npm). */
function nodeBinary(major) {
  return sh("npx", ["-y", "-p", `node@${major}`, "-c", 'node -p "process.execPath"']).trim();
}

/** `npm install ARGS` in dir, run by the given Node (npm's own `node` shebang finds it first). */
function npmInstall(nodeBin, dir, args, cache) {
  const env = { ...process.env, PATH: `${resolve(nodeBin, "..")}:${process.env.PATH}` };
  const all = ["install", ...args, "--no-audit", "--no-fund", "--loglevel=error", "--cache", cache];
  sh("npm", all, { cwd: dir, env, stdio: ["ignore", "pipe", "inherit"] });
}

function install(label, nodeBin, tgz, extraArgs) {
  const dir = join(tmp, label);
  mkdirSync(dir);
  const t0 = performance.now();
  npmInstall(nodeBin, dir, [tgz, ...extraArgs], join(tmp, `cache-${label}`));
  const seconds = (performance.now() - t0) / 1000;
  const nm = join(dir, "node_modules");
  const { count, native } = packages(nm);
  return {
    label,
    node: sh(nodeBin, ["--version"]).trim(),
    seconds,
    mb: du(nm) / 1024 / 1024,
    count,
    native,
    cli: join(nm, "weavz-mcp", "dist", "cli.js"),
    nodeBin,
  };
}

// ---------------------------------------------------------------------------------------------
// 2. Running

/** A line-based JSON-RPC client over a stdio server (no SDK: nothing of the client is timed). */
class Rpc {
  constructor(child) {
    this.child = child;
    this.next = 1;
    this.pending = new Map();
    let buf = "";
    child.stdout.on("data", (d) => {
      buf += d;
      for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        const msg = JSON.parse(line);
        const p = this.pending.get(msg.id);
        if (p) {
          this.pending.delete(msg.id);
          p({ msg, at: performance.now() });
        }
      }
    });
  }
  call(method, params) {
    const id = this.next++;
    return new Promise((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`${method} timed out`)), 60_000);
      this.pending.set(id, (r) => {
        clearTimeout(timer);
        if (r.msg.error) rej(new Error(JSON.stringify(r.msg.error)));
        else res(r);
      });
      this.child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", id, method, params })}\n`);
    });
  }
}

const INIT = {
  protocolVersion: "2025-11-25",
  capabilities: {},
  clientInfo: { name: "bench-install", version: "1" },
};

function startStdio(run, db) {
  const child = spawn(run.nodeBin, [run.cli], {
    env: {
      PATH: process.env.PATH,
      HOME: tmp,
      WEAVZ_LOCAL_DB: db,
      WEAVZ_WORKSPACE_ID: DEMO_WS,
      WEAVZ_LOG_LEVEL: "error",
      ...run.env,
    },
    stdio: ["pipe", "pipe", "pipe"],
  });
  children.add(child);
  let err = "";
  child.stderr.on("data", (d) => {
    err += d;
  });
  child.on("exit", () => children.delete(child));
  return { child, rpc: new Rpc(child), stderr: () => err };
}

const list = { name: "list_workspace_integrations", arguments: { workspaceId: DEMO_WS } };

async function coldStart(run) {
  const t0 = performance.now();
  const s = startStdio(run, run.db);
  await s.rpc.call("initialize", INIT);
  s.child.stdin.write(
    `${JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" })}\n`,
  );
  const { msg, at } = await s.rpc.call("tools/call", list);
  if (msg.result.isError) throw new Error(`cold start list failed: ${JSON.stringify(msg.result)}`);
  s.child.stdin.end();
  await new Promise((r) => (s.child.exitCode === null ? s.child.on("exit", r) : r()));
  if (/ExperimentalWarning/.test(s.stderr())) throw new Error("ExperimentalWarning on stderr");
  return at - t0;
}

async function perCall(run) {
  const s = startStdio(run, run.db);
  await s.rpc.call("initialize", INIT);
  s.child.stdin.write(
    `${JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" })}\n`,
  );
  const made = await s.rpc.call("tools/call", {
    name: "create_workspace_integration",
    arguments: { integrationName: "kv-store", alias: `bench_${run.key}`, workspaceId: DEMO_WS },
  });
  if (made.msg.result.isError) throw new Error(JSON.stringify(made.msg.result));
  const reads = [];
  const writes = [];
  for (let i = 0; i < 20; i++) await s.rpc.call("tools/call", list); // warm-up
  for (let i = 0; i < CALLS; i++) {
    let t0 = performance.now();
    await s.rpc.call("tools/call", list).then((r) => reads.push(r.at - t0));
    t0 = performance.now();
    const w = await s.rpc.call("tools/call", {
      name: "update_workspace_integration",
      arguments: { alias: `bench_${run.key}`, displayName: `n${i}`, workspaceId: DEMO_WS },
    });
    if (w.msg.result.isError) throw new Error(JSON.stringify(w.msg.result));
    writes.push(w.at - t0);
  }
  s.child.stdin.end();
  return { reads, writes };
}

async function listThroughput(run) {
  const child = spawn(
    run.nodeBin,
    [
      run.cli,
      "local-api",
      "--port",
      "0",
      "--db",
      join(tmp, `list-${run.key}.db`),
      "--api-key",
      KEY,
      "--no-demo",
      "--log-level",
      "error",
    ],
    {
      env: { PATH: process.env.PATH, HOME: tmp, ...run.env },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  children.add(child);
  const url = await localApiOrigin(child);
  const req = async (method, path, body) => {
    const r = await fetch(url + path, {
      method,
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: body ? JSON.stringify(body) : undefined,
    });
    const j = await r.json();
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(j)}`);
    return j;
  };
  const ws = (await req("POST", "/api/v1/workspaces", { name: "Bench", slug: "bench" })).workspace;
  const path = `/api/v1/workspaces/${ws.id}/integrations`;
  for (let i = 0; i < 1000; i += 50) {
    await Promise.all(
      Array.from({ length: 50 }, (_, j) =>
        req("POST", path, {
          integrationName: "kv-store",
          alias: `kv_${i + j}`,
          sortOrder: (i + j) % 7,
        }),
      ),
    );
  }
  let done = 0;
  const worker = async () => {
    while (done < LIST_REQUESTS) {
      done++;
      const r = await fetch(url + path, { headers: { authorization: `Bearer ${KEY}` } });
      const body = await r.arrayBuffer();
      if (r.status !== 200 || body.byteLength < 100_000) throw new Error(`list: ${r.status}`);
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: 10 }, worker));
  const rps = LIST_REQUESTS / ((performance.now() - t0) / 1000);
  child.kill("SIGTERM");
  return rps;
}

// ---------------------------------------------------------------------------------------------

const fmt = (n, d = 1) => n.toFixed(d);
const p50 = (v) => percentile(v, 50);

log("== packing");
const tgz = join(
  tmp,
  sh("npm", ["pack", "--ignore-scripts", "--pack-destination", tmp, "--silent"], { cwd: ROOT })
    .trim()
    .split("\n")
    .at(-1),
);
log("== fetching Node 22");
const node22 = nodeBinary(22);

log("== install on Node 20 (with better-sqlite3)");
const i20 = install("node20", process.execPath, tgz, []);
log("== install on Node 22 --omit=optional");
const i22 = install("node22", node22, tgz, ["--omit=optional"]);
log("== better-sqlite3 for Node 22 (prebuilt 13), for the same-Node driver comparison");
const extra = join(tmp, "bsql22");
mkdirSync(extra);
npmInstall(node22, extra, ["better-sqlite3@13"], join(tmp, "cache-bsql"));

const runs = [
  {
    key: "node",
    label: "Node 22, node:sqlite",
    nodeBin: node22,
    cli: i22.cli,
    env: { WEAVZ_SQLITE_DRIVER: "node:sqlite" },
  },
  {
    key: "bsql22",
    label: "Node 22, better-sqlite3 13",
    nodeBin: node22,
    cli: i22.cli,
    env: { WEAVZ_SQLITE_DRIVER: "better-sqlite3", NODE_PATH: join(extra, "node_modules") },
  },
  {
    key: "bsql20",
    label: "Node 20, better-sqlite3 12",
    nodeBin: process.execPath,
    cli: i20.cli,
    env: { WEAVZ_SQLITE_DRIVER: "better-sqlite3" },
  },
];
for (const r of runs) {
  r.db = join(tmp, `cold-${r.key}`, "local.db");
  await coldStart(r); // creates and seeds the database; also a warm-up
  await coldStart(r);
}

log("== cold start (interleaved)");
const cold = Object.fromEntries(runs.map((r) => [r.key, []]));
for (let i = 0; i < COLD_RUNS; i++) {
  for (let k = 0; k < runs.length; k++) {
    const r = runs[(i + k) % runs.length];
    cold[r.key].push(await coldStart(r));
  }
}
log("== per-call latency (interleaved rounds)");
const reads = Object.fromEntries(runs.map((r) => [r.key, []]));
const writes = Object.fromEntries(runs.map((r) => [r.key, []]));
for (let round = 0; round < 3; round++) {
  for (let k = 0; k < runs.length; k++) {
    const r = runs[(round + k) % runs.length];
    const out = await perCall({ ...r, key: `${r.key}${round}` });
    reads[r.key].push(...out.reads);
    writes[r.key].push(...out.writes);
  }
}
log("== local API list throughput (interleaved rounds)");
const rps = Object.fromEntries(runs.map((r) => [r.key, []]));
for (let round = 0; round < 2; round++) {
  for (const r of runs) rps[r.key].push(await listThroughput({ ...r, key: `${r.key}${round}` }));
}

const load = sh("cat", ["/proc/loadavg"]).split(" ").slice(0, 3).join(" ");
console.log(
  `\nweavz-mcp ${JSON.parse(sh("cat", [join(ROOT, "package.json")])).version}: install and SQLite drivers (load avg ${load})\n`,
);
console.log(
  "| Install (npm install <tarball>, empty npm cache) | Time | Installed size | Packages | Native modules |",
);
console.log("| --- | --- | --- | --- | --- |");
for (const i of [i20, i22]) {
  console.log(
    `| ${i.node}${i === i22 ? " --omit=optional" : ""} | ${fmt(i.seconds)} s | ${fmt(i.mb)} MB | ${i.count} | ${i.native.length ? i.native.join(", ") : "none"} |`,
  );
}
console.log(
  `\nTargets for Node 22 --omit=optional: < 15 s (${fmt(i22.seconds)} s), < 40 MB (${fmt(i22.mb)} MB).\n`,
);
console.log(
  "| Driver | Cold start p50 | list call p50 | update call p50 | list call p95 | Local API list req/s |",
);
console.log("| --- | --- | --- | --- | --- | --- |");
const rpsMed = (k) => [...rps[k]].sort((a, b) => a - b)[Math.floor(rps[k].length / 2)];
for (const r of runs) {
  console.log(
    `| ${r.label} | ${fmt(p50(cold[r.key]))} ms | ${fmt(p50(reads[r.key]), 2)} ms | ${fmt(p50(writes[r.key]), 2)} ms | ${fmt(percentile(reads[r.key], 95), 2)} ms | ${fmt(rpsMed(r.key), 0)} |`,
  );
}
const ratio = (f, a, b) => f(a) / f(b);
console.log(
  `\nnode:sqlite / better-sqlite3 on Node 22 (target ≤ 1.10): cold start ${fmt(ratio(p50, cold.node, cold.bsql22), 2)}, list call ${fmt(ratio(p50, reads.node, reads.bsql22), 2)}, update call ${fmt(ratio(p50, writes.node, writes.bsql22), 2)}; list throughput ${fmt(rpsMed("node") / rpsMed("bsql22"), 2)}× of better-sqlite3's.`,
);
