import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Database, sqliteCode, sqliteDriver } from "../../src/local/sqlite.js";
import { startLocalApiCli, stopCli, tempDir, useCliProcesses } from "../helpers/cli.js";

useCliProcesses();

const dir = mkdtempSync(join(tmpdir(), "weavz-sqlite-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** node:sqlite is built in (unflagged) from Node 22.13; better-sqlite3 serves older Node. */
function hasNodeSqlite(): boolean {
  const [major, minor] = process.versions.node.split(".").map(Number) as [number, number];
  return major > 22 || (major === 22 && minor >= 13);
}

describe(`the SQLite seam (driver: ${sqliteDriver()})`, () => {
  it("uses node:sqlite wherever Node has it, better-sqlite3 only before (or when forced)", () => {
    const forced = process.env.WEAVZ_SQLITE_DRIVER;
    expect(sqliteDriver()).toBe(forced || (hasNodeSqlite() ? "node:sqlite" : "better-sqlite3"));
  });

  it("opens, writes and reads, with statements left to the garbage collector", () => {
    const db = new Database(":memory:");
    db.exec("create table t (k text primary key, v integer)");
    for (let i = 0; i < 200; i++) db.prepare("insert into t values (?, ?)").run(`k${i}`, i);
    expect(db.prepare("select count(*) n, sum(v) s from t").get()).toEqual({ n: 200, s: 19900 });
    expect(db.prepare("select k from t order by v limit 2").pluck().all()).toEqual(["k0", "k1"]);
    db.close();
    expect(db.open).toBe(false);
  });

  it("waits for another connection's write lock (busy timeout) instead of failing at once", () => {
    const file = join(dir, "busy.db");
    const a = new Database(file);
    const b = new Database(file, { timeout: 2000 });
    a.pragma("journal_mode = WAL");
    expect(b.pragma("busy_timeout", { simple: true })).toBe(2000);
    expect(a.pragma("busy_timeout", { simple: true })).toBe(5000);
    a.close();
    b.close();
  });

  it("transactions: immediate, rolled back on throw, nested ones as savepoints", () => {
    const db = new Database(":memory:");
    db.exec("create table t (k text primary key)");
    const insert = db.prepare("insert into t values (?)");
    expect(db.inTransaction).toBe(false);
    db.transaction(() => {
      expect(db.inTransaction).toBe(true);
      insert.run("a");
      expect(() =>
        db
          .transaction(() => {
            insert.run("b");
            throw new Error("inner");
          })
          .immediate(),
      ).toThrow("inner");
      insert.run("c");
    }).immediate();
    expect(db.inTransaction).toBe(false);
    expect(() =>
      db
        .transaction(() => {
          insert.run("d");
          insert.run("a"); // duplicate: the whole transaction rolls back
        })
        .immediate(),
    ).toThrow();
    expect(db.prepare("select k from t order by k").pluck().all()).toEqual(["a", "c"]);
    db.close();
  });

  it("reports constraint errors by SQLite code name on either driver", () => {
    const db = new Database(":memory:");
    db.exec("create table p (id text primary key); create table c (p text references p(id))");
    db.pragma("foreign_keys = ON");
    db.prepare("insert into p values ('x')").run();
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return sqliteCode(err);
      }
    };
    expect(code(() => db.prepare("insert into p values ('x')").run())).toBe(
      "SQLITE_CONSTRAINT_PRIMARYKEY",
    );
    expect(code(() => db.prepare("insert into c values ('nope')").run())).toBe(
      "SQLITE_CONSTRAINT_FOREIGNKEY",
    );
    db.close();
  });

  it("prints no ExperimentalWarning on a user's terminal (Node 22's node:sqlite)", async () => {
    const cli = await startLocalApiCli(["--db", join(tempDir("weavz-sqlite-"), "w.db")]);
    await stopCli(cli); // stderr complete once it has exited
    expect(cli.stderr()).not.toMatch(/ExperimentalWarning|experimental feature/i);
  });
});
