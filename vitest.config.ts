import { defineConfig } from "vitest/config";
import { dashboardAssetsVitePlugin } from "./scripts/dashboard-assets.mjs";

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
  // The dashboard's browser script and styles, built as the package build does.
  plugins: [dashboardAssetsVitePlugin],
  test: {
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores here: more workers only thrash.
    maxWorkers: 2,
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
