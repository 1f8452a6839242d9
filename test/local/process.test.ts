import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client } from "../helpers/local-api.js";

const ROOT = resolve(import.meta.dirname, "../..");
const CLI = join(ROOT, "dist", "cli.js");
const KEY = "wvz_process_test_key_0123456789";
const children = new Set<ChildProcess>();
const dirs: string[] = [];

beforeAll(() => {
  // `npm test` builds first; build here only when run on its own without dist/.
  if (!existsSync(CLI))
    execFileSync(process.execPath, [join(ROOT, "scripts", "build.mjs")], { cwd: ROOT });
}, 60_000);

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), "weavz-proc-"));
  dirs.push(d);
  return d;
}

interface Cli {
  child: ChildProcess;
  /** Origin, e.g. http://127.0.0.1:PORT */
  url: string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns `node dist/cli.js local-api …` and waits for its listening line on stdout. */
function startCli(args: string[]): Promise<Cli> {
  const child = spawn(process.execPath, [CLI, "local-api", "--port", "0", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, WEAVZ_API_KEY: "", WEAVZ_LOCAL_DB: "", WEAVZ_NO_DEMO: "" },
  });
  children.add(child);
  let out = "";
  let err = "";
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    child.on("exit", (code, signal) => res({ code, signal })),
  );
  return new Promise((resolveCli, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line; stderr: ${err}`)), 15_000);
    child.stderr?.on("data", (d: Buffer) => {
      err += d.toString();
    });
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/[^\s]+)\/api\/v1\n/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolveCli({ child, url: m[1], stdout: () => out, stderr: () => err, exited });
      }
    });
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`exited early with ${code}; stderr: ${err}`));
    });
  });
}

async function stop(cli: Cli): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  cli.child.kill("SIGTERM");
  return cli.exited;
}

describe("local-api CLI", () => {
  it("prints a generated key once, stores only its hash, exits 0 on SIGTERM", async () => {
    const dir = tmp();
    const db = join(dir, "nested", "cli.db");
    const first = await startCli(["--db", db]);
    const lines = first.stdout().trim().split("\n");
    expect(lines[0]).toMatch(/^Weavz local API listening on http:\/\/127\.0\.0\.1:\d+\/api\/v1$/);
    const keyLine = lines.find((l) => l.startsWith("API key (shown once, stored hashed): "));
    const key = keyLine?.split(": ")[1] as string;
    expect(key).toMatch(/^wvz_[0-9A-Za-z]{32}$/);
    expect(lines.some((l) => l.startsWith("Try: curl") && l.includes(key))).toBe(true);
    expect(first.stderr()).not.toContain(key);
    const call = client(first.url, key);
    expect((await call("GET", "/api/v1/workspaces")).body.total).toBe(1);
    expect(await stop(first)).toEqual({ code: 0, signal: null });

    const second = await startCli(["--db", db]);
    expect(second.stdout()).not.toContain("API key (shown once");
    expect(second.stdout()).not.toContain("wvz_");
    expect(second.stdout()).toMatch(/--api-key \/ WEAVZ_API_KEY/);
    expect((await client(second.url, key)("GET", "/api/v1/workspaces")).status).toBe(200);
    expect(await stop(second)).toEqual({ code: 0, signal: null });

    for (const f of [db, `${db}-wal`]) {
      if (existsSync(f)) expect(readFileSync(f).includes(Buffer.from(key))).toBe(false);
    }
  });

  it("port in use → one clear line, exit 1", async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
    const port = (blocker.address() as { port: number }).port;
    const dir = tmp();
    const child = spawn(
      process.execPath,
      [CLI, "local-api", "--port", String(port), "--db", join(dir, "x.db"), "--api-key", KEY],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    children.add(child);
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

describe("several processes on one database", () => {
  it("two server processes see each other's writes", async () => {
    const db = join(tmp(), "shared.db");
    const a = await startCli(["--db", db, "--api-key", KEY, "--no-demo"]);
    const b = await startCli(["--db", db, "--api-key", KEY, "--no-demo"]);
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
    expect((await stop(a)).code).toBe(0);
    expect((await stop(b)).code).toBe(0);
  });

  it("SIGKILL during a write load loses no acknowledged write", async () => {
    const db = join(tmp(), "kill.db");
    const srv = await startCli(["--db", db, "--api-key", KEY, "--no-demo"]);
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
    await new Promise((r) => setTimeout(r, 700));
    srv.child.kill("SIGKILL");
    const exit = await srv.exited;
    stopLoad = true;
    await load;
    expect(exit.signal).toBe("SIGKILL");
    expect(acked.length).toBeGreaterThan(20);

    const raw = new Database(db);
    expect(raw.pragma("integrity_check", { simple: true })).toBe("ok");
    const stored = new Set(
      raw.prepare("SELECT id FROM workspace_integrations").pluck().all() as string[],
    );
    raw.close();
    expect(acked.filter((id) => !stored.has(id))).toEqual([]);

    const again = await startCli(["--db", db, "--api-key", KEY, "--no-demo"]);
    const list = await client(again.url, KEY)("GET", `/api/v1/workspaces/${ws.id}/integrations`);
    const ids = new Set(list.body.integrations.map((i: { id: string }) => i.id));
    expect(acked.every((id) => ids.has(id))).toBe(true);
    expect((await stop(again)).code).toBe(0);
  });
});
