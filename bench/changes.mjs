// Change-notification benchmark (issue 4): how long from a change to the subscriber's
// notifications/resources/updated, for a change made in-process (through the subscriber's own
// MCP session) and one made by another process on the same SQLite file; and what the change
// feed costs in CPU while idle, with and without a subscriber.
// Run: npm run build && node bench/changes.mjs   (loopback only, bounded, exits by itself)

import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { localApiOrigin, percentile, restClient } from "./lib.mjs";

const ROUNDS = Number(process.env.ROUNDS ?? 60);
const IDLE_MS = Number(process.env.IDLE_MS ?? 10_000);
const WS = "a1b2c3d4-e5f6-7890-abcd-ef1234567890";
const KEY = "wvz_bench_changes_0123456789";
const URI = `weavz://workspaces/${WS}/mcp-tools`;
const dir = mkdtempSync(join(tmpdir(), "weavz-bench-changes-"));
const db = join(dir, "local.db");
const children = [];
const cleanup = () => {
  for (const c of children) c.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
};
process.on("exit", cleanup);

// The other process: the local API alone, on the same database file.
const other = spawn(
  process.execPath,
  ["dist/cli.js", "local-api", "--port", "0", "--db", db, "--api-key", KEY],
  {
    stdio: ["ignore", "pipe", "inherit"],
  },
);
children.push(other);
const base = await localApiOrigin(other, 20_000);
const call = restClient({ key: KEY, origin: base });
const rest = (method, path, body) => call(method, `/api/v1${path}`, body);
await rest("POST", "/mcp/servers", { name: "bench", workspaceId: WS });
const created = await rest("POST", `/workspaces/${WS}/integrations`, {
  integrationName: "kv-store",
  alias: "kv",
});
const integrationId = created.integration.id;

// The subscriber: weavz-mcp over stdio on the embedded local API, same database file.
const transport = new StdioClientTransport({
  command: process.execPath,
  args: ["dist/cli.js"],
  env: { PATH: process.env.PATH ?? "", WEAVZ_LOCAL_DB: db, WEAVZ_LOG_LEVEL: "error" },
  stderr: "inherit",
});
const client = new Client({ name: "bench-changes", version: "1" });
await client.connect(transport);
const serverPid = transport.pid;
let waiter;
client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
  if (n.params.uri === URI && waiter) {
    const w = waiter;
    waiter = undefined;
    w(performance.now());
  }
});
const nextNotification = () =>
  new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error("no notification within 5 s")), 5000);
    waiter = (at) => {
      clearTimeout(t);
      resolve(at);
    };
  });

const cpuMs = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime + stime, in clock ticks of 10 ms
};
const idleCpu = async () => {
  const c0 = cpuMs(serverPid);
  await new Promise((r) => setTimeout(r, IDLE_MS));
  return ((cpuMs(serverPid) - c0) / IDLE_MS) * 1000; // CPU ms per second
};

await new Promise((r) => setTimeout(r, 500));
const idleWithout = await idleCpu();
await client.subscribeResource({ uri: URI });
// Let the subscription's first reads settle, so only the steady feed is measured.
await new Promise((r) => setTimeout(r, 1000));
const idleWith = await idleCpu();

const actions = [["put"], ["get"], ["put", "get"], ["delete"]];
const inProc = [];
const crossProc = [];
for (let i = 0; i < ROUNDS; i++) {
  // In-process: the change goes through the subscriber's own MCP session.
  let p = nextNotification();
  let t0 = performance.now();
  await client.callTool({
    name: "update_workspace_integration",
    arguments: { workspaceId: WS, id: integrationId, enabledActions: actions[i % 4] },
  });
  inProc.push((await p) - t0);
  // Let the feed go back to its long poll (the in-process change also woke it), then change
  // at a random point of its 100 ms data_version cycle.
  await new Promise((r) => setTimeout(r, 200 + Math.random() * 100));
  // Another process: a REST PATCH served by the separate local-api process.
  p = nextNotification();
  t0 = performance.now();
  await rest("PATCH", `/workspaces/${WS}/integrations/${integrationId}`, {
    enabledActions: actions[(i + 2) % 4],
  });
  crossProc.push((await p) - t0);
}
await client.close();

const f = (n) => n.toFixed(2);
const result = {
  rounds: ROUNDS,
  inProcess: { p50: percentile(inProc, 50), p99: percentile(inProc, 99) },
  otherProcess: { p50: percentile(crossProc, 50), p99: percentile(crossProc, 99) },
  idleCpuMsPerSecond: { withoutSubscribers: idleWithout, withSubscriber: idleWith },
};
console.log(`change → notification over stdio, ${ROUNDS} changes each (target: within 2 s)`);
console.log(
  `  in-process (tool call)      p50 ${f(result.inProcess.p50)} ms   p99 ${f(result.inProcess.p99)} ms`,
);
console.log(
  `  other process (REST PATCH)  p50 ${f(result.otherProcess.p50)} ms   p99 ${f(result.otherProcess.p99)} ms`,
);
console.log(`idle CPU of the MCP server process over ${IDLE_MS / 1000} s (10 ms clock ticks)`);
console.log(`  no subscriber    ${f(idleWithout)} ms CPU per s`);
console.log(`  one subscriber   ${f(idleWith)} ms CPU per s`);
console.log(JSON.stringify(result));
process.exit(0);
