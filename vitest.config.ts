import { defineConfig } from "vitest/config";
import { dashboardAssetsVitePlugin } from "./scripts/dashboard-assets.mjs";

export default defineConfig({
  // The dashboard's browser script and styles, built as the package build does.
  plugins: [dashboardAssetsVitePlugin],
  test: {
    include: ["test/**/*.test.ts", "src/**/*.test.ts"],
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores here: more workers only thrash.
    maxWorkers: 2,
  },
});
