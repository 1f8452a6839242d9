// Scale-out benchmark (issue 12): two weavz-mcp replicas sharing one local API and one Redis.
// - change → notification latency: a tool call on replica B creates an integration; a 2026
//   listener on replica A hears of it through Redis. Baseline side by side: the same with the
//   listener on B (no replica hop; delivered in-process).
// - tool calls/s with one replica vs two (same clients, split between the replicas).
// Run: npm run bench:scale   (loopback only, bounded, exits by itself; needs redis-server)

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { percentile } from "./lib.mjs";

const ROUNDS = Number(process.env.ROUNDS ?? 50);
const LOAD_MS = Number(process.env.LOAD_MS ?? 4000);
const CLIENTS = Number(process.env.CLIENTS ?? 8);
const WS = "a1b2c3d4-e5f6-7890-abcd-ef1234567890";
const KEY = "wvz_bench_scale_0123456789";
const URI = `weavz://workspaces/${WS}/integrations`;
const dir = mkdtempSync(join(tmpdir(), "weavz-bench-scale-"));
const children = [];
process.on("exit", () => {
  for (const c of children) c.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/** Spawns a process and resolves the first match of `re` on its stdout. */
function start(cmd, args, re, env = {}) {
  const c = spawn(cmd, args, {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, WEAVZ_API_KEY: "", ...env },
  });
  children.push(c);
  let err = "";
  c.stderr.on("data", (d) => {
    err += d;
  });
  return new Promise((resolve, reject) => {
    let out = "";
    const t = setTimeout(() => reject(new Error(`${cmd} did not start: ${out}${err}`)), 20_000);
    c.stdout.on("data", (d) => {
      out += d;
      const m = out.match(re);
      if (m) {
        clearTimeout(t);
        resolve(m[1] ?? m[0]);
      }
    });
  });
}

const redisPort = await freePort();
await start(
  "redis-server",
  [
    "--port",
    String(redisPort),
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    "--appendonly",
    "no",
    "--dir",
    dir,
  ],
  /Ready to accept connections/,
);
const redisUrl = `redis://127.0.0.1:${redisPort}`;
const api = await start(
  process.execPath,
  ["dist/cli.js", "local-api", "--port", "0", "--db", join(dir, "local.db"), "--api-key", KEY],
  /listening on (http:\/\/\S+)\/api\/v1/,
);
const replica = () =>
  start(
    process.execPath,
    [
      "dist/cli.js",
      "--transport",
      "http",
      "--port",
      "0",
      "--api-key",
      KEY,
      "--base-url",
      api,
      "--redis-url",
      redisUrl,
      "--workspace-id",
      WS,
      "--log-level",
      "error",
    ],
    /listening on (http:\/\/\S+\/mcp)/,
  );
const [urlA, urlB] = await Promise.all([replica(), replica()]);

const modern = async (url, name) => {
  const c = new Client(
    { name, version: "1" },
    { versionNegotiation: { mode: { pin: "2026-07-28" } } },
  );
  await c.connect(new StreamableHTTPClientTransport(new URL(url)));
  return c;
};

/** Latency from a tool call on `actor` to the listener's notification, ROUNDS times. */
async function latency(listenerUrl, actor, tag) {
  const listener = await modern(listenerUrl, `listener-${tag}`);
  let waiting;
  listener.setNotificationHandler("notifications/resources/updated", (n) => {
    if (n.params.uri === URI && waiting) waiting(performance.now());
  });
  const sub = await listener.listen({ resourceSubscriptions: [URI] });
  await new Promise((r) => setTimeout(r, 300));
  const lat = [];
  for (let i = 0; i < ROUNDS; i++) {
    const heard = new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error("no notification within 5 s")), 5000);
      waiting = (at) => {
        clearTimeout(t);
        waiting = undefined;
        resolve(at);
      };
    });
    const t0 = performance.now();
    const r = await actor.callTool({
      name: "create_workspace_integration",
      arguments: { integrationName: "kv-store", alias: `kv-${tag}-${i}` },
    });
    if (r.isError) throw new Error(JSON.stringify(r.content));
    lat.push((await heard) - t0);
  }
  await sub.close();
  await listener.close();
  return lat;
}

/** Tool calls/s for CLIENTS concurrent clients spread over `urls`, for LOAD_MS. */
async function throughput(urls) {
  const clients = await Promise.all(
    Array.from({ length: CLIENTS }, (_, i) => modern(urls[i % urls.length], `load-${i}`)),
  );
  let calls = 0;
  const end = performance.now() + LOAD_MS;
  await Promise.all(
    clients.map(async (c) => {
      while (performance.now() < end) {
        await c.callTool({ name: "list_workspace_integrations", arguments: { limit: 5 } });
        calls++;
      }
    }),
  );
  await Promise.all(clients.map((c) => c.close()));
  return calls / (LOAD_MS / 1000);
}

const actor = await modern(urlB, "actor");
const fmt = (xs) =>
  `p50 ${percentile(xs, 50).toFixed(1)} ms, p99 ${percentile(xs, 99).toFixed(1)} ms (n=${xs.length})`;
const same = await latency(urlB, actor, "same");
const across = await latency(urlA, actor, "across");
console.log(`change → notification, listener on the acting replica (baseline): ${fmt(same)}`);
console.log(`change → notification, listener on the other replica (via Redis): ${fmt(across)}`);
await actor.close();

const one = await throughput([urlA]);
const two = await throughput([urlA, urlB]);
const oneAgain = await throughput([urlA]);
console.log(
  `tool calls/s, ${CLIENTS} clients: one replica ${one.toFixed(0)} (again: ${oneAgain.toFixed(0)}), two replicas ${two.toFixed(0)}`,
);
process.exit(0);
