// Benchmark: GET /api/v1/workspaces/{id}/integrations with 1,000 integrations on the local
// API (real CLI process, SQLite file) against a bare node:http server (separate process)
// returning the byte-identical body. Rounds alternate A/B to cancel noise.
// Run: npm run build && node bench/local-api.mjs   (loopback only; exits by itself)

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Pool } from "undici";
import { percentile, restClient } from "./lib.mjs";

const ROOT = resolve(import.meta.dirname, "..");
const CLI = join(ROOT, "dist", "cli.js");
const KEY = "wvz_bench_key_0123456789abcdef";
const INTEGRATIONS = 1000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PLAN = [
  { concurrency: 1, requests: Number(process.env.BENCH_N1 ?? 300) },
  { concurrency: 10, requests: Number(process.env.BENCH_N10 ?? 1000) },
];

if (!existsSync(CLI)) {
  console.error("dist/cli.js is missing: run `npm run build` first.");
  process.exit(1);
}

const children = [];
const dir = mkdtempSync(join(tmpdir(), "weavz-bench-"));
function cleanup() {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
}
process.on("exit", cleanup);

/** Spawns a process and resolves with the first stdout match of re. */
function spawnUntil(args, re) {
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  children.push(child);
  return new Promise((res, rej) => {
    let out = "";
    const t = setTimeout(() => rej(new Error(`timeout waiting for ${re}`)), 15000);
    child.stdout.on("data", (d) => {
      out += d;
      const m = re.exec(out);
      if (m) {
        clearTimeout(t);
        res({ child, match: m });
      }
    });
    child.on("exit", (code) => rej(new Error(`exited with ${code}`)));
  });
}

// 1. Local API process, seeded through its HTTP API.
const local = await spawnUntil(
  [
    CLI,
    "local-api",
    "--port",
    "0",
    "--db",
    join(dir, "bench.db"),
    "--api-key",
    KEY,
    "--no-demo",
    "--log-level",
    "warn",
  ],
  /listening on (http:\/\/\S+)\/api\/v1/,
);
const localUrl = local.match[1];
const seedPool = new Pool(localUrl, { connections: 8 });
const seed = restClient({ key: KEY, pool: seedPool });
const ws = (
  await seed("POST", "/api/v1/workspaces", {
    name: "Bench",
    slug: "bench",
  })
).workspace;
const conn = (
  await seed("POST", "/api/v1/connections", {
    type: "OAUTH2",
    externalId: "bench_slack",
    displayName: "Bench Slack",
    integrationName: "slack",
  })
).connection;
const listPath = `/api/v1/workspaces/${ws.id}/integrations`;
const seedStart = performance.now();
for (let i = 0; i < INTEGRATIONS; i += 50) {
  await Promise.all(
    Array.from({ length: Math.min(50, INTEGRATIONS - i) }, (_, j) => {
      const n = i + j;
      const body =
        n % 2 === 0
          ? {
              integrationName: "slack",
              alias: `slack_${n}`,
              displayName: `Slack ${n}`,
              connectionId: conn.id,
              enabledActions: ["send_channel_message", "list_channels"],
              sortOrder: n % 7,
            }
          : {
              integrationName: "kv-store",
              alias: `kv_${n}`,
              settings: { persistence: { scope: "workspace" } },
              sortOrder: n % 7,
            };
      return seed("POST", listPath, body);
    }),
  );
}
const seedMs = performance.now() - seedStart;
const first = await seedPool.request({
  method: "GET",
  path: listPath,
  headers: { authorization: `Bearer ${KEY}` },
});
const bodyBuf = Buffer.from(await first.body.arrayBuffer());
await seedPool.close();
const parsed = JSON.parse(bodyBuf.toString("utf8"));
if (parsed.total !== INTEGRATIONS) throw new Error(`expected ${INTEGRATIONS}, got ${parsed.total}`);

// 2. Bare node:http server in its own process, serving the same bytes.
const bodyFile = join(dir, "body.json");
writeFileSync(bodyFile, bodyBuf);
const bareSrc = `
import { createServer } from "node:http";
import { readFileSync } from "node:fs";
const body = readFileSync(${JSON.stringify(bodyFile)});
const s = createServer({ keepAlive: true }, (req, res) => {
  res.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": body.length });
  res.end(body);
});
s.keepAliveTimeout = 30000;
s.listen(0, "127.0.0.1", () => console.log("bare on http://127.0.0.1:" + s.address().port));
`;
const bare = await spawnUntil(["--input-type=module", "-e", bareSrc], /bare on (http:\/\/\S+)\n/);
const bareUrl = bare.match[1];

// 3. Measure.
async function run(url, concurrency, requests) {
  const pool = new Pool(url, { connections: concurrency, pipelining: 1 });
  const lat = new Float64Array(requests);
  let next = 0;
  let bytes = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        const i = next++;
        if (i >= requests) return;
        const s = performance.now();
        const r = await pool.request({
          method: "GET",
          path: listPath,
          headers: { authorization: `Bearer ${KEY}` },
        });
        const b = await r.body.arrayBuffer();
        if (r.statusCode !== 200) throw new Error(`status ${r.statusCode}`);
        bytes += b.byteLength;
        lat[i] = performance.now() - s;
      }
    }),
  );
  const ms = performance.now() - t0;
  await pool.close();
  return { ms, lat: [...lat], bytes };
}

const rows = [];
// Warm-up both.
await run(localUrl, 4, 100);
await run(bareUrl, 4, 100);
for (const { concurrency, requests } of PLAN) {
  const acc = { local: { ms: 0, lat: [], n: 0 }, bare: { ms: 0, lat: [], n: 0 } };
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? ["local", "bare"] : ["bare", "local"];
    for (const which of order) {
      const res = await run(which === "local" ? localUrl : bareUrl, concurrency, requests);
      acc[which].ms += res.ms;
      acc[which].lat.push(...res.lat);
      acc[which].n += requests;
    }
  }
  const stat = (a) => {
    const sorted = a.lat.sort((x, y) => x - y);
    return { rps: (a.n / a.ms) * 1000, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
  };
  const l = stat(acc.local);
  const b = stat(acc.bare);
  rows.push({ concurrency, requests: acc.local.n, local: l, bare: b, ratio: l.rps / b.rps });
}

// The list is cached until any write moves the change marker: measure the cold path too,
// with a PATCH before every (timed) GET.
const coldPool = new Pool(localUrl, { connections: 1 });
const coldCall = restClient({ key: KEY, pool: coldPool });
const someId = parsed.integrations[0].id;
const cold = [];
for (let i = 0; i < 200; i++) {
  await coldCall("PATCH", `${listPath}/${someId}`, {
    sortOrder: i % 3,
  });
  const s = performance.now();
  const r = await coldPool.request({
    method: "GET",
    path: listPath,
    headers: { authorization: `Bearer ${KEY}` },
  });
  await r.body.arrayBuffer();
  cold.push(performance.now() - s);
}
await coldPool.close();
cold.sort((x, y) => x - y);

const f = (n, d = 0) => n.toFixed(d).padStart(9);
console.log(
  `\nGET ${listPath.replace(ws.id, "{ws}")}: ${INTEGRATIONS} integrations, ${bodyBuf.length} bytes per response; seeded in ${(seedMs / 1000).toFixed(1)} s; ${ROUNDS} alternating rounds`,
);
console.log(
  "conc  requests |  local req/s  p50 ms  p99 ms |   bare req/s  p50 ms  p99 ms | local/bare",
);
for (const r of rows) {
  console.log(
    `${String(r.concurrency).padStart(4)} ${String(r.requests).padStart(9)} | ${f(r.local.rps)}   ${f(r.local.p50, 2)} ${f(r.local.p99, 2)} | ${f(r.bare.rps)}   ${f(r.bare.p50, 2)} ${f(r.bare.p99, 2)} | ${r.ratio.toFixed(2).padStart(6)}×`,
  );
}
console.log(
  `local, cold (a write before each GET, conc 1, 200 requests): p50 ${percentile(cold, 50).toFixed(2)} ms, p99 ${percentile(cold, 99).toFixed(2)} ms`,
);
const worst = Math.min(...rows.map((r) => r.ratio));
console.log(`\nworst local/bare ratio: ${worst.toFixed(2)} (target ≥ 0.50)`);
cleanup();
process.exit(0);
