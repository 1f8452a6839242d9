/**
 * Issue 23.9: the `--api-key` rule through the real CLI (the built dist/cli.js), so a
 * regression in the rule or in how its error reaches the user shows here.
 */
import { describe, expect, it } from "vitest";
import { runCli, useCliProcesses } from "../helpers/cli.js";

describe("weavz-mcp refuses an API key with spaces", () => {
  useCliProcesses();

  it("exits with a usage error naming the rule, never echoing the key", async () => {
    const secret = "wvz_live key with spaces 0123";
    const byFlag = await runCli(["--api-key", secret]);
    expect(byFlag.code).toBe(2);
    expect(byFlag.stderr).toMatch(/--api-key \/ WEAVZ_API_KEY must be .* without spaces/);
    expect(byFlag.stdout).toBe("");
    expect(`${byFlag.stderr}${byFlag.stdout}`).not.toContain("key with spaces");
    // A tab is a space too; the plan commands exit 1 on any error (2 means "changes").
    const tabbed = await runCli(["export", "--api-key", secret.replaceAll(" ", "\t")]);
    expect(tabbed.code).toBe(1);
    expect(tabbed.stderr).toMatch(/without spaces/);
    expect(tabbed.stderr).not.toContain("key\twith");
  });
});
