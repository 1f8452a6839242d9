// Bundles the CLI with esbuild: one file to load is the main lever on cold start
// (module resolution of the SDK and undici dominates it). better-sqlite3 stays external
// because it is a native addon; the local API is split into its own chunk so the hosted
// mode never loads it.
//
// The bundle is minified and zod's 64 message locales are left out (only English is used): on
// Node 20, which has no compile cache, parsing is a large share of the stdio cold start, and
// these two cut the bytes parsed from 5.0 MB to 2.1 MB. In interleaved runs (BENCH_V1_DIST)
// they took the cold start from about 1.07-1.10× to 0.98-1.05× of the last SDK 1.x build.
// No code reads function or class names (error classes set `name` explicitly), so renaming
// identifiers is safe; stack traces are never shown to users, so readability is not lost.
import { copyFileSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { buildAppViews } from "./build-apps.mjs";
import { dashboardAssetsPlugin } from "./dashboard-assets.mjs";
import { toolSchemasPlugin } from "./tool-schemas.mjs";

/** Resolves zod's all-locales index to English alone; nothing here selects another locale. */
const onlyEnglishZodLocale = {
  name: "only-english-zod-locale",
  setup(b) {
    b.onResolve({ filter: /locales\/index\.js$/ }, (args) =>
      args.importer.includes("/node_modules/zod/")
        ? { path: "zod-locales-en", namespace: "zod-locales" }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "zod-locales" }, () => ({
      contents: 'export { default as en } from "zod/v4/locales/en.js";',
      resolveDir: fileURLToPath(new URL("..", import.meta.url)),
    }));
  },
};

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
rmSync(new URL("../dist", import.meta.url), { recursive: true, force: true });
const result = await build({
  metafile: true,
  entryPoints: { cli: "src/cli.ts" },
  outdir: "dist",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20.18",
  // QuickJS stays external too: its loader finds its .wasm file next to itself.
  external: ["better-sqlite3", "quickjs-emscripten-core", "@jitl/quickjs-wasmfile-release-sync"],
  define: { __WEAVZ_VERSION__: JSON.stringify(pkg.version) },
  sourcemap: false,
  // BUILD_MINIFY=0 keeps names readable for profiling (--cpu-prof) and debugging.
  minify: process.env.BUILD_MINIFY !== "0",
  plugins: [onlyEnglishZodLocale, dashboardAssetsPlugin, toolSchemasPlugin([onlyEnglishZodLocale])],
  legalComments: "none",
  logLevel: "warning",
  banner: {
    // Bundled CommonJS dependencies call require(); give them one.
    js: "import { createRequire as __weavzCreateRequire } from 'node:module'; const require = __weavzCreateRequire(import.meta.url);",
  },
});
// The code sandbox's worker runs as its own file (a worker thread loads it by URL), the same
// file under src/ and dist/: the bundle finds it next to itself.
copyFileSync(
  new URL("../src/local/execute/sandbox/sandbox-worker.mjs", import.meta.url),
  new URL("../dist/sandbox-worker.mjs", import.meta.url),
);
// The in-chat views (MCP Apps): self-contained HTML files the server serves as ui:// resources.
await buildAppViews({
  plugins: [onlyEnglishZodLocale],
  minify: process.env.BUILD_MINIFY !== "0",
});

// dist/ carries the code of every package it bundles, so the npm package needs none of them
// installed (they are devDependencies; see README, SQLite drivers: Install size). Their licences travel with
// it: dist/THIRD_PARTY_LICENSES.txt lists each bundled package with its licence text.
const root = fileURLToPath(new URL("..", import.meta.url));
const bundled = new Map();
for (const input of Object.keys(result.metafile.inputs)) {
  const at = input.lastIndexOf("node_modules/");
  if (at < 0) continue;
  const rest = input.slice(at + "node_modules/".length).split("/");
  const name = rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0];
  const dir = join(root, input.slice(0, at), "node_modules", name);
  if (!bundled.has(name)) bundled.set(name, dir);
}
const notices = [...bundled.entries()]
  .sort(([a], [b]) => a.localeCompare(b))
  .map(([name, dir]) => {
    const meta = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    const file = readdirSync(dir).find((f) => /^(licen[cs]e|copying)/i.test(f));
    const text = file ? readFileSync(join(dir, file), "utf8").trim() : `License: ${meta.license}`;
    return `${name}@${meta.version} (${meta.license ?? "see text"})\n\n${text}\n`;
  });
writeFileSync(
  join(root, "dist", "THIRD_PARTY_LICENSES.txt"),
  `Packages bundled into dist/ by esbuild, with their licences.\n\n${notices.join(`\n${"-".repeat(78)}\n\n`)}`,
);
