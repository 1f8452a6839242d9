// Runs the whole test suite under other Node majors than the one installed (default 22 and
// 24), so the `engines` promise (Node >= 20.18, 22, 24) is checked, not assumed.
//
// Each major runs in a throwaway copy of the project, fetched from the npm registry with
// `npx -p node@<major>` (the newest version the `node` package has). From Node 22.13 on the
// local API's SQLite is Node's own `node:sqlite` (src/local/sqlite.ts), so nothing is
// installed or rebuilt for the target Node: the copy checks that the seam picks node:sqlite
// there, builds and runs the suite. (Node 20 runs the suite on better-sqlite3: `npm test`.)
//
//   node scripts/test-node.mjs [major ...]        (npm run test:node)
// Prints one "node <version>: N passed, N failed" line per major; exits 1 if any failed.
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { stripVTControlCharacters } from "node:util";

const ROOT = resolve(import.meta.dirname, "..");
const majors = process.argv.slice(2).length ? process.argv.slice(2) : ["22", "24"];
const sh = (cmd, args, opts = {}) =>
  execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], ...opts });

/** The newest published version of a Node major, as the npm `node` package knows it. */
function newest(major) {
  const out = sh("npm", ["view", `node@${major}`, "version", "--json"]);
  const list = [].concat(JSON.parse(out));
  return list
    .map((v) => v.split(".").map(Number))
    .sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2])
    .at(-1)
    .join(".");
}

/** A copy of the project, node_modules included (dist/ is rebuilt, .git is not needed). */
function copyProject(into) {
  for (const entry of readdirSync(ROOT)) {
    if (entry === ".git" || entry === "dist") continue;
    cpSync(join(ROOT, entry), join(into, entry), { recursive: true, verbatimSymlinks: true });
  }
}

const results = [];
for (const major of majors) {
  const version = newest(major);
  const work = mkdtempSync(join(tmpdir(), `weavz-node${major}-`));
  try {
    // test/local/sqlite.test.ts fails unless the seam picked node:sqlite on this Node.
    console.log(`\n== node ${version}: build, tests (SQLite driver: node:sqlite)`);
    const project = join(work, "project");
    copyProject(project);
    const steps = [
      "node --version",
      "node scripts/build.mjs",
      "node node_modules/vitest/vitest.mjs run",
    ];
    const env = { ...process.env };
    delete env.WEAVZ_SQLITE_DRIVER;
    const run = spawnSync("npx", ["-y", "-p", `node@${version}`, "-c", steps.join(" && ")], {
      cwd: project,
      env,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
      maxBuffer: 256 * 1024 * 1024,
    });
    process.stdout.write(run.stdout ?? "");
    const summary = stripVTControlCharacters(run.stdout ?? "")
      .split("\n")
      .filter((l) => /^\s+Tests\s/.test(l))
      .at(-1);
    const count = (word) => Number(summary?.match(new RegExp(`(\\d+) ${word}`))?.[1] ?? 0);
    const failed = run.status === 0 ? count("failed") : Math.max(1, count("failed"));
    results.push({ version, passed: count("passed"), failed });
  } catch (err) {
    console.error(`node ${version}: ${err.message}`);
    results.push({ version, passed: 0, failed: 1 });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
console.log("");
for (const r of results) console.log(`node ${r.version}: ${r.passed} passed, ${r.failed} failed`);
process.exit(results.every((r) => r.failed === 0) ? 0 : 1);
