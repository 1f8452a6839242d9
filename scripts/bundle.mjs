// Builds the Claude Desktop bundle, weavz-mcp.mcpb, with the official bundle CLI
// (@anthropic-ai/mcpb): `mcpb validate` on the manifest, then `mcpb pack`.
//
// The bundle holds dist/ (esbuild has already bundled every JavaScript dependency into it),
// data/ (the catalog), a package.json saying "type": "module", and only the production
// dependencies dist/ cannot inline (the QuickJS WebAssembly pair) — no native module: Claude Desktop runs bundles on the Node it ships, and a .node file built for
// another Node's ABI (or rejected by macOS library validation) would not load. SQLite is Node's
// own node:sqlite, so the manifest asks for Node >= 22.13; on an older Node the server still
// runs against the hosted API when a Weavz API key is set, and the embedded local API refuses
// to start with one clear line (src/local/sqlite.ts) instead of crashing.
//
//   node scripts/bundle.mjs [--out FILE] [--no-server-json]      (npm run bundle)
// Writes FILE (default ./weavz-mcp.mcpb) and, unless told not to, records its SHA-256 and
// version in server.json (the MCP Registry entry), so the two never disagree. mcpb stamps
// the zip entries with the time of packing, so every run gives new bytes: publish the very
// file this run wrote, with the server.json it updated.

import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

const ROOT = resolve(import.meta.dirname, "..");
const MCPB = join(ROOT, "node_modules", ".bin", "mcpb");
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));

/** A host substitution, ${name}: filled in by Claude Desktop when it starts the server. */
const host = (name) => `\${${name}}`;

/** The bundle manifest (schema 0.4, the newest the CLI knows). */
export function manifest() {
  return {
    manifest_version: "0.4",
    name: pkg.name,
    display_name: "Weavz",
    version: pkg.version,
    description: pkg.description,
    long_description:
      "Lets Claude list, create, update and delete Weavz workspace integrations in plain language. Without an API key it runs an embedded local Weavz-compatible API (SQLite, the real catalog), so it works offline.",
    author: { name: "Weavz", url: "https://weavz.io" },
    homepage: "https://weavz.io",
    license: pkg.license,
    keywords: ["weavz", "integrations", "workspace", "mcp"],
    server: {
      type: "node",
      entry_point: "dist/cli.js",
      mcp_config: {
        command: "node",
        args: [`${host("__dirname")}/dist/cli.js`],
        env: {
          WEAVZ_API_KEY: host("user_config.api_key"),
          WEAVZ_WORKSPACE_ID: host("user_config.workspace_id"),
          WEAVZ_TOOLSETS: host("user_config.toolsets"),
          WEAVZ_READ_ONLY: host("user_config.read_only"),
        },
      },
    },
    user_config: {
      api_key: {
        type: "string",
        title: "Weavz API key",
        description:
          "Your Weavz API key (wvz_…). Leave empty to use the embedded local API, stored on this computer.",
        sensitive: true,
        required: false,
      },
      workspace_id: {
        type: "string",
        title: "Default workspace",
        description: "Workspace id used when a request names none (optional).",
        required: false,
      },
      toolsets: {
        type: "string",
        title: "Toolsets",
        description:
          "Comma-separated toolsets: integrations, catalog, connections, mcp-servers, plan, execute; all; default.",
        required: false,
        default: "default",
      },
      read_only: {
        type: "boolean",
        title: "Read-only",
        description: "Offer only tools that read; nothing is created, changed or deleted.",
        required: false,
        default: false,
      },
    },
    compatibility: {
      platforms: ["darwin", "win32", "linux"],
      runtimes: { node: ">=22.13.0" },
    },
  };
}

/** Every path under dir (relative), for the no-native-module check. */
function walk(dir, base = dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p, base) : [p.slice(base.length + 1)];
  });
}

if (import.meta.main ?? process.argv[1] === import.meta.filename) {
  const { values } = parseArgs({
    options: { out: { type: "string" }, "no-server-json": { type: "boolean" } },
  });
  const out = resolve(values.out ?? join(ROOT, "weavz-mcp.mcpb"));
  if (!existsSync(join(ROOT, "dist", "cli.js"))) {
    console.error("dist/cli.js is missing: run `npm run build` first (npm run bundle does).");
    process.exit(1);
  }
  const stage = mkdtempSync(join(tmpdir(), "weavz-mcpb-"));
  try {
    cpSync(join(ROOT, "dist"), join(stage, "dist"), { recursive: true });
    cpSync(join(ROOT, "data"), join(stage, "data"), { recursive: true });
    cpSync(join(ROOT, "README.md"), join(stage, "README.md"));
    // Production dependencies that dist/ does not inline (packages that read their own files
    // at run time, like QuickJS's .wasm), as the lockfile resolves them; never optional ones.
    const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8"));
    for (const [path, entry] of Object.entries(lock.packages)) {
      if (!path.startsWith("node_modules/") || entry.dev || entry.optional || entry.devOptional)
        continue;
      cpSync(join(ROOT, path), join(stage, path), { recursive: true, dereference: true });
    }
    const runtimePkg = {
      name: pkg.name,
      version: pkg.version,
      type: "module",
      private: true,
      dependencies: pkg.dependencies,
    };
    writeFileSync(join(stage, "package.json"), `${JSON.stringify(runtimePkg, null, 2)}\n`);
    writeFileSync(join(stage, "manifest.json"), `${JSON.stringify(manifest(), null, 2)}\n`);
    const native = walk(stage).filter((f) => f.endsWith(".node"));
    if (native.length > 0) throw new Error(`native modules in the bundle: ${native.join(", ")}`);
    const run = (args) => execFileSync(MCPB, args, { cwd: stage, encoding: "utf8" });
    process.stdout.write(run(["validate", join(stage, "manifest.json")]));
    rmSync(out, { force: true });
    process.stdout.write(run(["pack", stage, out]));
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
  const bytes = readFileSync(out);
  const sha = createHash("sha256").update(bytes).digest("hex");
  console.log(`${out}: ${(bytes.length / 1024 / 1024).toFixed(2)} MB, sha256 ${sha}`);
  if (!values["no-server-json"]) {
    const file = join(ROOT, "server.json");
    const entry = JSON.parse(readFileSync(file, "utf8"));
    const mcpb = entry.packages.find((p) => p.registryType === "mcpb");
    mcpb.fileSha256 = sha;
    mcpb.version = pkg.version;
    mcpb.identifier = mcpb.identifier.replace(/\/v[^/]+\/([^/]+)$/, `/v${pkg.version}/$1`);
    writeFileSync(file, `${JSON.stringify(entry, null, 2)}\n`);
    console.log(`server.json: mcpb ${pkg.version} sha256 recorded`);
  }
}
