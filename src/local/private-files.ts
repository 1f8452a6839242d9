import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from "node:fs";
import { basename, dirname } from "node:path";

/** The default data directory's own name (`(data dir)/weavz-mcp/local.db`). */
const DATA_DIR_NAME = "weavz-mcp";

function tighten(path: string, mode: number): void {
  try {
    if ((statSync(path).mode & 0o777) !== mode) chmodSync(path, mode);
  } catch (err) {
    // Gone between the check and the chmod, or not ours to change: nothing to tighten.
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
}

/**
 * Makes a SQLite database private to this user, whatever the umask, before it is opened: the
 * directories created for it are 0700 (and the default `weavz-mcp` data directory is tightened
 * to 0700 when it already exists; a directory the user chose, such as /tmp, is left alone); the
 * database file is created 0600, and an existing database, `-wal` and `-shm` are set to 0600.
 * SQLite creates `-wal` and `-shm` with the database file's mode, so they stay 0600 after.
 */
export function preparePrivateDatabase(path: string): void {
  if (path === ":memory:" || path === "") return;
  const dir = dirname(path);
  const created = !existsSync(dir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (created || basename(dir) === DATA_DIR_NAME) tighten(dir, 0o700);
  if (!existsSync(path)) closeSync(openSync(path, "a", 0o600));
  for (const file of [path, `${path}-wal`, `${path}-shm`]) tighten(file, 0o600);
}
