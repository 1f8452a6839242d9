/**
 * Private files (issue 22), on the real CLI under the usual umask 022: the data directory is
 * 0700 and the database with its -wal and -shm 0600, for a new database and for an existing
 * one left readable by an older version; plan / apply refuse a file over 4 MiB without
 * reading it whole.
 */
import { chmodSync, existsSync, mkdirSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, startLocalApiCli, stopCli, tempDir, useCliProcesses } from "../helpers/cli.js";
import { client } from "../helpers/local-api.js";

useCliProcesses();
const KEY = "wvz_private_0123456789abcdefghij";
const posix = process.platform !== "win32";
let saved = 0;

beforeAll(() => {
  // Children inherit it: the server runs as a user's shell would start it.
  if (posix) saved = process.umask(0o022);
});
afterAll(() => {
  if (posix) process.umask(saved);
});

const mode = (p: string) => statSync(p).mode & 0o777;

describe.skipIf(!posix)("the local database is private whatever the umask", () => {
  it("new: directory 0700, database, -wal and -shm 0600; an old readable one is tightened", async () => {
    const dataDir = join(tempDir(), "home", "weavz-mcp");
    const db = join(dataDir, "local.db");
    const start = () => startLocalApiCli(["--db", db, "--api-key", KEY, "--no-demo"]);
    let cli = await start();
    const call = client(cli.url, KEY);
    expect((await call("POST", "/api/v1/workspaces", { name: "P", slug: "p" })).status).toBe(201);
    for (const f of [db, `${db}-wal`, `${db}-shm`]) {
      expect(existsSync(f), f).toBe(true);
      expect(mode(f).toString(8), f).toBe("600");
    }
    expect(mode(dataDir).toString(8)).toBe("700");
    await stopCli(cli);

    // As an older version left them: readable by everyone.
    chmodSync(dataDir, 0o755);
    for (const f of [db, `${db}-wal`, `${db}-shm`]) if (existsSync(f)) chmodSync(f, 0o644);
    cli = await start();
    expect(
      (await client(cli.url, KEY)("POST", "/api/v1/workspaces", { name: "Q", slug: "q" })).status,
    ).toBe(201);
    expect(mode(dataDir).toString(8)).toBe("700");
    for (const f of [db, `${db}-wal`, `${db}-shm`]) {
      if (existsSync(f)) expect(mode(f).toString(8), f).toBe("600");
    }
    await stopCli(cli);
  }, 60_000);

  it("a directory the user chose keeps its mode; the files in it are still 0600", async () => {
    const shared = join(tempDir(), "shared");
    mkdirSync(shared, { mode: 0o755 });
    chmodSync(shared, 0o755);
    const db = join(shared, "team.db");
    const cli = await startLocalApiCli(["--db", db, "--api-key", KEY, "--no-demo"]);
    expect(mode(shared).toString(8)).toBe("755");
    expect(mode(db).toString(8)).toBe("600");
    await stopCli(cli);
  }, 60_000);
});

describe("plan / apply refuse an oversized file", () => {
  it("a 2 GiB file is refused at once with the limit, read no further than 4 MiB", async () => {
    const dir = tempDir();
    const file = join(dir, "huge.yaml");
    writeFileSync(file, "workspaceId: x\nintegrations: []\n");
    // Sparse: 2 GiB on paper, nothing on disk. Reading it whole would take gigabytes.
    truncateSync(file, 2 * 1024 ** 3);
    for (const command of ["plan", "apply"]) {
      const yes = command === "apply" ? ["--yes"] : [];
      const r = await runCli([command, "-f", file, "--db", join(dir, "x.db"), ...yes]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(
        /huge\.yaml: the file is larger than 4 MiB, the most plan and apply read/,
      );
    }
    expect(existsSync(join(dir, "x.db"))).toBe(false);
  }, 60_000);

  it("a file just under the limit is read (and then judged on its content)", async () => {
    const dir = tempDir();
    const file = join(dir, "big.yaml");
    writeFileSync(file, `# ${"x".repeat(4 * 1024 * 1024 - 100)}\nworkspaceId: 1\n`);
    const r = await runCli(["plan", "-f", file, "--db", join(dir, "x.db")]);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/larger than/);
    expect(r.stderr).toMatch(/invalid desired state/);
  }, 60_000);
});
