import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderConfigTable } from "../../src/app/help.js";
import { OPTIONS } from "../../src/app/options/index.js";
import { renderResourceTable, renderToolTable } from "../../src/mcp/docs.js";
import { RESOURCES, TOOLS } from "../../src/mcp/inventory.js";

const README = new URL("../../README.md", import.meta.url);

/** Replaces what stands between `<!-- name:start … -->` and `<!-- name:end -->`. */
function splice(text: string, name: string, body: string): string {
  const re = new RegExp(`(<!-- ${name}:start[^>]*-->)[\\s\\S]*?(<!-- ${name}:end -->)`);
  expect(re.test(text), `README has ${name} markers`).toBe(true);
  return text.replace(re, `$1\n${body}\n$2`);
}

describe("README", () => {
  it("has the tool and configuration tables the code generates (npm run docs refreshes them)", () => {
    const current = readFileSync(README, "utf8");
    const fresh = splice(
      splice(
        splice(current, "tools", renderToolTable(TOOLS)),
        "resources",
        renderResourceTable(RESOURCES),
      ),
      "config",
      renderConfigTable(OPTIONS),
    );
    if (process.env.UPDATE_README === "1") writeFileSync(README, fresh);
    expect(current, "README tables are stale: run `npm run docs`").toBe(fresh);
  });

  it("gives a new user the test command that CI runs", () => {
    const readme = readFileSync(README, "utf8");
    const ci = readFileSync(new URL("../../.ci/run", import.meta.url), "utf8");
    expect(readme).toContain("npm test");
    expect(ci).toContain("npm test");
  });
});
