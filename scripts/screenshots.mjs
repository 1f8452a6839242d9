#!/usr/bin/env node
// `npm run screenshots`: runs every module in scripts/screenshots/ (each exports
// `async function run({ outDir })`) and saves PNGs under docs/screenshots/ for the README.
import { mkdirSync, readdirSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = fileURLToPath(new URL("./screenshots/", import.meta.url));
const outDir = fileURLToPath(new URL("../docs/screenshots/", import.meta.url));
mkdirSync(outDir, { recursive: true });
const only = process.argv[2];
for (const file of readdirSync(here)
  .filter((f) => f.endsWith(".mjs"))
  .sort()) {
  if (only && !file.startsWith(only)) continue;
  const { run } = await import(pathToFileURL(here + file).href);
  const saved = await run({ outDir });
  for (const path of saved ?? []) console.log(`saved ${path}`);
}
