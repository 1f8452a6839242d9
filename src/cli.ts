#!/usr/bin/env node
import nodeModule from "node:module";
import { main } from "./app/main.js";

// Node ≥ 22.1 caches compiled code between runs (compiling the bundle is a large part of
// cold start); on Node 20 the function does not exist and this is a no-op.
(nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();

main(process.argv.slice(2)).catch((err: unknown) => {
  // Last resort: one line, no stack (it may hold paths or secrets), non-zero exit.
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`weavz-mcp: fatal: ${message}\n`);
  process.exit(1);
});
