import { defineConfig } from "vitest/config";
import { dashboardAssetsVitePlugin } from "./scripts/dashboard-assets.mjs";
import { toolSchemasVitePlugin } from "./scripts/tool-schemas.mjs";

/**
 * Three tiers, one rule for where a test lives:
 * - unit: beside its source (`src/**\/x.test.ts`): pure code, no server, no process, no
 *   network; `npm run test:unit` runs them alone in seconds.
 * - integration: `test/{api,apps,local,integration,plan,fuzz}`: real servers in this process on
 *   port 0 (the local API, the MCP server, SDK clients), real SQLite.
 * - e2e: `test/e2e`: the built CLI spawned as users run it, replicas, Redis.
 * `npm test` (build, then every tier) stays the one command CI runs.
 */
export default defineConfig({
  // The dashboard's browser script and styles, built as the package build does; the tools'
  // JSON Schemas are converted at start from src/ (the build converts them ahead).
  plugins: [dashboardAssetsVitePlugin, toolSchemasVitePlugin],
  test: {
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores here: more workers only thrash (3 measured: no faster, 180 s against 178 s).
    maxWorkers: 2,
    // A worker keeps its module cache from one test file to the next instead of importing src,
    // the SDKs and zod again for each of ~90 files: `npm test` went from 178 s to 129 s (import
    // time 74 s → 19 s) in the same quiet hour. It is safe because no test mocks modules, and
    // every test closes what it starts and restores the env and timers it changes.
    isolate: false,
    projects: [
      { extends: true, test: { name: "unit", include: ["src/**/*.test.ts"] } },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["test/{api,apps,local,integration,plan,fuzz}/**/*.test.ts"],
        },
      },
      { extends: true, test: { name: "e2e", include: ["test/e2e/**/*.test.ts"] } },
    ],
  },
});
