// The tools' JSON Schemas, converted from their zod schemas at build time and handed to the
// server code as the module `weavz:tool-schemas`. Converting them at start (zod's toJSONSchema
// and our slimming, for every tool) was about 15 ms of CPU before the stdio server could
// answer tools/list on Node 20. The conversion is the server's own (toolJsonSchemas in
// src/mcp/inventory.ts), run here once on the same sources; under vitest the module is empty
// and the server converts at start, so tests check the conversion and
// test/e2e/tool-schemas.test.ts checks that the built table matches it.
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { esbuildVirtualModule, viteVirtualModule } from "./virtual-module.mjs";

export const TOOL_SCHEMAS_ID = "weavz:tool-schemas";
const EMPTY = "export const TOOL_SCHEMAS = undefined;\n";
const root = fileURLToPath(new URL("..", import.meta.url));

/** Every tool's (and conformance fixture's) schemas, converted by the server's own code. */
async function convertAll(plugins) {
  const out = await build({
    stdin: {
      contents: [
        'import { TOOLS, toolJsonSchemas } from "./src/mcp/inventory.ts";',
        'import { CONFORMANCE_FIXTURE_TOOLS } from "./src/mcp/fixtures/index.ts";',
        "export const pairs = [...TOOLS, ...CONFORMANCE_FIXTURE_TOOLS].map((d) => [",
        "  d.name,",
        "  toolJsonSchemas(d),",
        "]);",
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
    define: { __WEAVZ_VERSION__: '"0.0.0"' },
    plugins: [...plugins, esbuildVirtualModule(TOOL_SCHEMAS_ID, () => EMPTY)],
    logLevel: "warning",
  });
  // The bundle has no imports left to resolve, so it loads from a data: URL (no temp file).
  const code = Buffer.from(out.outputFiles[0].text).toString("base64");
  const { pairs } = await import(`data:text/javascript;base64,${code}`);
  // The table is keyed by name: two tools of one name would silently share one entry.
  const names = pairs.map(([name]) => name);
  if (names.length === 0 || new Set(names).size !== names.length)
    throw new Error(`tool-schemas: tool names must be unique and non-empty (${names.join(", ")})`);
  return Object.fromEntries(pairs);
}

/**
 * esbuild plugin for the package build: `weavz:tool-schemas` becomes the converted table, as a
 * JSON string parsed at load (V8 parses JSON text faster than the same object as code).
 * PLUGINS are the build's own (zod's English-only locale), so the conversion sees the same zod.
 */
export function toolSchemasPlugin(plugins = []) {
  return esbuildVirtualModule(TOOL_SCHEMAS_ID, async () => {
    const schemas = await convertAll(plugins);
    return `export const TOOL_SCHEMAS = JSON.parse(${JSON.stringify(JSON.stringify(schemas))});\n`;
  });
}

/** The same module for Vite (vitest): empty, so tests convert the schemas from src/. */
export const toolSchemasVitePlugin = viteVirtualModule(TOOL_SCHEMAS_ID, () => EMPTY);
