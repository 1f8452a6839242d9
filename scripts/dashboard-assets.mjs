// The dashboard's browser assets (src/dashboard/client/): its script bundled by esbuild for
// browsers and its stylesheet, handed to the server code as the module `weavz:dashboard-assets`
// so they ship inside dist/ (no CDN, works offline). Used by scripts/build.mjs and, through a
// Vite plugin, by vitest, so tests serve exactly what the package serves.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { esbuildVirtualModule, viteVirtualModule } from "./virtual-module.mjs";

export const DASHBOARD_ASSETS_ID = "weavz:dashboard-assets";
const clientDir = fileURLToPath(new URL("../src/dashboard/client/", import.meta.url));

/** The module's source text: `export const SCRIPT = "…"; export const STYLES = "…";`. */
export async function dashboardAssetsModule() {
  const out = await build({
    entryPoints: [`${clientDir}main.ts`],
    bundle: true,
    write: false,
    format: "iife",
    // Browsers of the last few years; nothing in the script needs more.
    target: ["chrome100", "firefox100", "safari15"],
    minify: true,
    legalComments: "none",
    logLevel: "warning",
  });
  const script = out.outputFiles[0].text;
  // style.css first (variables, base), then the rest in name order.
  const sheets = readdirSync(clientDir)
    .filter((f) => f.endsWith(".css"))
    .sort((a, b) => (a === "style.css" ? -1 : b === "style.css" ? 1 : a.localeCompare(b)));
  const styles = sheets.map((f) => readFileSync(`${clientDir}${f}`, "utf8")).join("\n");
  return `export const SCRIPT = ${JSON.stringify(script)};\nexport const STYLES = ${JSON.stringify(styles)};\n`;
}

/** esbuild plugin resolving `weavz:dashboard-assets` to the built assets. */
export const dashboardAssetsPlugin = esbuildVirtualModule(
  DASHBOARD_ASSETS_ID,
  dashboardAssetsModule,
);

/** The same for Vite (vitest): tests import the server code from src/. */
export const dashboardAssetsVitePlugin = viteVirtualModule(
  DASHBOARD_ASSETS_ID,
  dashboardAssetsModule,
);
