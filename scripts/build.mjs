// Bundles the CLI with esbuild: one file to load is the main lever on cold start
// (module resolution of the SDK and undici dominates it). better-sqlite3 stays external
// because it is a native addon; the local API is split into its own chunk so the hosted
// mode never loads it.
import { readFileSync, rmSync } from "node:fs";
import { build } from "esbuild";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
rmSync(new URL("../dist", import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: { cli: "src/cli.ts" },
  outdir: "dist",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20.18",
  external: ["better-sqlite3"],
  define: { __WEAVZ_VERSION__: JSON.stringify(pkg.version) },
  sourcemap: false,
  legalComments: "none",
  logLevel: "warning",
  banner: {
    // Bundled CommonJS dependencies call require(); give them one.
    js: "import { createRequire as __weavzCreateRequire } from 'node:module'; const require = __weavzCreateRequire(import.meta.url);",
  },
});
