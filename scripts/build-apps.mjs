// Builds the MCP Apps views (src/apps-view) into single self-contained HTML files under
// dist/apps/: the script and styles are inlined, so a host can show them under the
// extension's restrictive default CSP with no network at all. esbuild bundles the view with
// the ext-apps App class (and the SDK client and zod it builds on) because a host talks to
// a view only over postMessage: nothing can be loaded from the package at view time.
//
// Each file carries its own CSP too, stricter than the host's default: scripts only by the
// hash of the one inline script (so no inline event handler, injected or not, ever runs),
// no connections, no frames, images only as data: URLs.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { build } from "esbuild";

const VIEWS = [
  { view: "plan", file: "plan.html", title: "Weavz plan review" },
  { view: "workspace", file: "workspace.html", title: "Weavz workspace overview" },
];

/** Writes dist/apps/*.html; PLUGINS are the server build's (zod's English-only locale). */
export async function buildAppViews({ plugins = [], minify = true } = {}) {
  const out = await build({
    entryPoints: ["src/apps-view/main.ts"],
    bundle: true,
    write: false,
    format: "iife",
    platform: "browser",
    target: "es2022",
    minify,
    legalComments: "none",
    plugins,
    logLevel: "warning",
  });
  const script = out.outputFiles[0].text;
  // Inlined as is, so it must not be able to close its own element.
  if (/<\/script/i.test(script)) throw new Error("the App view bundle contains </script");
  const hash = `sha256-${createHash("sha256").update(script).digest("base64")}`;
  const template = readFileSync("src/apps-view/template.html", "utf8");
  const style = readFileSync("src/apps-view/style.css", "utf8");
  mkdirSync("dist/apps", { recursive: true });
  for (const v of VIEWS) {
    const html = fill(template, {
      "%SCRIPT_HASH%": hash,
      "%TITLE%": v.title,
      "%VIEW%": v.view,
      "/*%STYLE%*/": style,
      "/*%SCRIPT%*/": script,
    });
    writeFileSync(`dist/apps/${v.file}`, html);
  }
}

/** Placeholder substitution without String.replace's `$` patterns (the bundle has many). */
function fill(template, values) {
  let html = template;
  for (const [key, value] of Object.entries(values)) html = html.split(key).join(value);
  return html;
}
