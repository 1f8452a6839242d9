import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Database, sqliteDriver } from "../../src/local/sqlite.js";
import { spawnCli, startLocalApiCli, stopCli, tempDir, useCliProcesses } from "../helpers/cli.js";
import { client } from "../helpers/local-api.js";

const KEY = "wvz_process_test_key_0123456789";

useCliProcesses();

describe("local-api CLI", () => {
  it("prints a generated key once, stores only its hash, exits 0 on SIGTERM", async () => {
    const dir = tempDir("weavz-proc-");
    const db = join(dir, "nested", "cli.db");
    const first = await startLocalApiCli(["--db", db]);
    const lines = first.stdout().trim().split("\n");
    expect(lines[0]).toMatch(/^Weavz local API listening on http:\/\/127\.0\.0\.1:\d+\/api\/v1$/);
    const keyLine = lines.find((l) => l.startsWith("API key (shown once, stored hashed): "));
    const key = keyLine?.split(": ")[1] as string;
    expect(key).toMatch(/^wvz_[0-9A-Za-z]{32}$/);
    expect(lines.some((l) => l.startsWith("Try: curl") && l.includes(key))).toBe(true);
    expect(first.stderr()).not.toContain(key);
    const call = client(first.url, key);
    expect((await call("GET", "/api/v1/workspaces")).body.total).toBe(1);
    expect(await stopCli(first)).toEqual({ code: 0, signal: null });

    const second = await startLocalApiCli(["--db", db]);
    expect(second.stdout()).not.toContain("API key (shown once");
    expect(second.stdout()).not.toContain("wvz_");
    expect(second.stdout()).toMatch(/--api-key \/ WEAVZ_API_KEY/);
    expect((await client(second.url, key)("GET", "/api/v1/workspaces")).status).toBe(200);
    expect(await stopCli(second)).toEqual({ code: 0, signal: null });

    for (const f of [db, `${db}-wal`]) {
      if (existsSync(f)) expect(readFileSync(f).includes(Buffer.from(key))).toBe(false);
    }
  });

  it("port in use → one clear line, exit 1", async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
    const port = (blocker.address() as { port: number }).port;
    const dir = tempDir("weavz-proc-");
    const child = spawnCli([
      "local-api",
      "--port",
      String(port),
      "--db",
      join(dir, "x.db"),
      "--api-key",
      KEY,
    ]);
    let err = "";
    child.stderr?.on("data", (d: Buffer) => {
      err += d.toString();
    });
    const code = await new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
    blocker.close();
    expect(code).toBe(1);
    expect(err).toMatch(new RegExp(`port ${port} .*already in use`));
    expect(err.trim().split("\n")).toHaveLength(1);
  });
});

// Child processes run on the same Node with the same env, so on the same driver.
describe(`several processes on one database (SQLite driver: ${sqliteDriver()})`, () => {
  it("two server processes see each other's writes", async () => {
    const db = join(tempDir("weavz-proc-"), "shared.db");
    const a = await startLocalApiCli(["--db", db, "--api-key", KEY, "--no-demo"]);
    const b = await startLocalApiCli(["--db", db, "--api-key", KEY, "--no-demo"]);
    const ca = client(a.url, KEY);
    const cb = client(b.url, KEY);
    const ws = (await ca("POST", "/api/v1/workspaces", { name: "Shared", slug: "shared" })).body
      .workspace;
    expect((await cb("GET", `/api/v1/workspaces/${ws.id}`)).status).toBe(200);
    const base = `/api/v1/workspaces/${ws.id}/integrations`;
    expect((await ca("GET", base)).body.total).toBe(0);
    expect((await cb("POST", base, { integrationName: "http" })).status).toBe(201);
    expect((await ca("GET", base)).body.total).toBe(1);
    // Concurrent creates of one alias across both processes: exactly one wins.
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? ca : cb)("POST", base, { integrationName: "code", alias: "race" }),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(19);
    expect((await cb("GET", base)).body.total).toBe(2);
    expect((await stopCli(a)).code).toBe(0);
    expect((await stopCli(b)).code).toBe(0);
  });

  it("SIGKILL during a write load loses no acknowledged write", async () => {
    const db = join(tempDir("weavz-proc-"), "kill.db");
    const srv = await startLocalApiCli(["--db", db, "--api-key", KEY, "--no-demo"]);
    const call = client(srv.url, KEY);
    const ws = (await call("POST", "/api/v1/workspaces", { name: "K", slug: "k" })).body.workspace;
    const acked: string[] = [];
    let stopLoad = false;
    const worker = async (w: number) => {
      for (let i = 0; !stopLoad && i < 5000; i++) {
        try {
          const r = await call("POST", `/api/v1/workspaces/${ws.id}/integrations`, {
            integrationName: "http",
            alias: `w${w}_${i}`,
          });
          if (r.status === 201) acked.push(r.body.integration.id);
        } catch {
          return; // the server died mid-request: that write was not acknowledged
        }
      }
    };
    const load = Promise.all([0, 1, 2, 3].map(worker));
    // Kill once enough writes are acknowledged (not after a fixed time: on a loaded machine
    // 700 ms held fewer than 20), with writes still in flight from all four workers.
    const until = Date.now() + 20_000;
    while (acked.length < 40 && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    srv.child.kill("SIGKILL");
    const exit = await srv.exited;
    stopLoad = true;
    await load;
    expect(exit.signal).toBe("SIGKILL");
    expect(acked.length).toBeGreaterThanOrEqual(40);

    const raw = new Database(db);
    expect(raw.pragma("integrity_check", { simple: true })).toBe("ok");
    const stored = new Set(
      raw.prepare("SELECT id FROM workspace_integrations").pluck().all() as string[],
    );
    raw.close();
    expect(acked.filter((id) => !stored.has(id))).toEqual([]);

    const again = await startLocalApiCli(["--db", db, "--api-key", KEY, "--no-demo"]);
    const list = await client(again.url, KEY)("GET", `/api/v1/workspaces/${ws.id}/integrations`);
    const ids = new Set(list.body.integrations.map((i: { id: string }) => i.id));
    expect(acked.every((id) => ids.has(id))).toBe(true);
    expect((await stopCli(again)).code).toBe(0);
  });
});
