import { createRequire } from "node:module";
import type BetterSqlite3 from "better-sqlite3";

/**
 * The better-sqlite3 build this Node can run.
 *
 * better-sqlite3 12 (V8 ABI, compiled at install) is the one that supports Node 20, but on
 * Node 24.19 and later it aborts the process when the garbage collector or exit finalizes a
 * statement ("Assertion failed: (env) != nullptr"; upstream, not fixed in 12). Version 13
 * moved to Node-API, which fixed it, ships prebuilt binaries, and requires Node 22. So 13 is
 * an optional dependency under the alias `better-sqlite3-napi` (npm skips it where its
 * engines do not match) and is preferred from Node 22 on; 12 stays the fallback, also on
 * platforms 13 has no binary for. Both have the same JavaScript API.
 */
function load(): { Database: typeof BetterSqlite3; pkg: string } {
  const require = createRequire(import.meta.url);
  if (Number(process.versions.node.split(".")[0]) >= 22) {
    try {
      return { Database: require("better-sqlite3-napi"), pkg: "better-sqlite3-napi" };
    } catch {
      // Not installed (the install ran under an older Node) or no binary for this platform.
    }
  }
  return { Database: require("better-sqlite3"), pkg: "better-sqlite3" };
}

const loaded = load();
export const Database: typeof BetterSqlite3 = loaded.Database;
/** Which package serves SQLite in this process. */
export const SQLITE_PACKAGE = loaded.pkg;
