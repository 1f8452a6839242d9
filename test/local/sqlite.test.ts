import { describe, expect, it } from "vitest";
import { Database, SQLITE_PACKAGE } from "../../src/local/sqlite.js";

describe("the SQLite binding", () => {
  const major = Number(process.versions.node.split(".")[0]);

  it("is better-sqlite3 13 (Node-API) from Node 22 on, and 12 on Node 20", () => {
    // 12 aborts Node 24.19+ when a statement is finalized; 13 needs Node 22 (src/local/sqlite.ts).
    expect(SQLITE_PACKAGE).toBe(major >= 22 ? "better-sqlite3-napi" : "better-sqlite3");
  });

  it("opens, writes and reads, with statements left to the garbage collector", () => {
    const db = new Database(":memory:");
    db.exec("create table t (k text primary key, v integer)");
    for (let i = 0; i < 200; i++) db.prepare("insert into t values (?, ?)").run(`k${i}`, i);
    expect(db.prepare("select count(*) n, sum(v) s from t").get()).toEqual({ n: 200, s: 19900 });
    db.close();
  });
});
