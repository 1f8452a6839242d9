// The tools' JSON Schemas, converted from their zod schemas at build time and handed to the
// server code as the module `weavz:tool-schemas`. Converting them at start (zod's toJSONSchema
// and our slimming, for every tool) was about 15 ms of CPU before the stdio server could
// answer tools/list on Node 20. The conversion is the server's own (toolJsonSchemas in
// src/mcp/inventory.ts), run here once on the same sources; under vitest the module is empty
// and the server converts at start, so tests check the conversion and
// test/e2e/tool-schemas.test.ts checks that the built table matches it.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

export const TOOL_SCHEMAS_ID = "weavz:tool-schemas";
const EMPTY = "export const TOOL_SCHEMAS = undefined;\n";
const root = fileURLToPath(new URL("..", import.meta.url));

/** Resolves `weavz:tool-schemas` to SOURCE (a function returning module text). */
function esbuildPlugin(source) {
  return {
    name: "weavz-tool-schemas",
    setup(b) {
      b.onResolve({ filter: /^weavz:tool-schemas$/ }, () => ({
        path: TOOL_SCHEMAS_ID,
        namespace: "weavz-tool-schemas",
      }));
      b.onLoad({ filter: /.*/, namespace: "weavz-tool-schemas" }, async () => ({
        contents: await source(),
        loader: "js",
      }));
    },
  };
}

/** Every tool's (and conformance fixture's) schemas, converted by the server's own code. */
async function convertAll(plugins) {
  const out = await build({
    stdin: {
      contents: [
        'import { TOOLS, toolJsonSchemas } from "./src/mcp/inventory.ts";',
        'import { CONFORMANCE_FIXTURE_TOOLS } from "./src/mcp/fixtures/index.ts";',
        "export const schemas = Object.fromEntries(",
        "  [...TOOLS, ...CONFORMANCE_FIXTURE_TOOLS].map((d) => [d.name, toolJsonSchemas(d)]),",
        ");",
      ].join("\n"),
      resolveDir: root,
      loader: "ts",
      sourcefile: "tool-schemas-entry.ts",
    },
    bundle: true,
    write: false,
    format: "esm",
    platform: "node",
    target: "node20.18",
    external: ["better-sqlite3", "quickjs-emscripten-core", "@jitl/quickjs-wasmfile-release-sync"],
    define: { __WEAVZ_VERSION__: '"0.0.0"' },
    plugins: [...plugins, esbuildPlugin(async () => EMPTY)],
    logLevel: "warning",
  });
  const dir = mkdtempSync(join(tmpdir(), "weavz-tool-schemas-"));
  try {
    const file = join(dir, "entry.mjs");
    writeFileSync(file, out.outputFiles[0].text);
    const { schemas } = await import(pathToFileURL(file).href);
    const names = Object.keys(schemas);
    if (new Set(names).size !== names.length || names.length === 0)
      throw new Error("tool-schemas: tool names must be unique and non-empty");
    return schemas;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * esbuild plugin for the package build: `weavz:tool-schemas` becomes the converted table, as a
 * JSON string parsed at load (V8 parses JSON text faster than the same object as code).
 * PLUGINS are the build's own (zod's English-only locale), so the conversion sees the same zod.
 */
export function toolSchemasPlugin(plugins = []) {
  return esbuildPlugin(async () => {
    const schemas = await convertAll(plugins);
    return `export const TOOL_SCHEMAS = JSON.parse(${JSON.stringify(JSON.stringify(schemas))});\n`;
  });
}

/** The same module for Vite (vitest): empty, so tests convert the schemas from src/. */
export const toolSchemasVitePlugin = {
  name: "weavz-tool-schemas",
  resolveId(id) {
    return id === TOOL_SCHEMAS_ID ? `\0${TOOL_SCHEMAS_ID}` : undefined;
  },
  load(id) {
    return id === `\0${TOOL_SCHEMAS_ID}` ? EMPTY : undefined;
  },
};
