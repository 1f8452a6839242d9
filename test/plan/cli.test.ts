import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLI } from "../helpers/build.js";
import { tempDir, useCliProcesses } from "../helpers/cli.js";
import { DEMO_WS } from "../helpers/mcp.js";

describe("weavz-mcp export / plan / apply (spawned CLI, embedded local API)", () => {
  useCliProcesses();
  it("exits 2 with changes, applies with --yes, then export → plan shows none (0); bad input is 1", () => {
    const dir = tempDir("weavz-plan-cli-");
    const env = { PATH: process.env.PATH ?? "", WEAVZ_LOCAL_DB: join(dir, "a.db") };
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [CLI, ...args], { env, encoding: "utf8", timeout: 30_000 });
    const file = join(dir, "state.yaml");
    writeFileSync(
      file,
      `workspaceId: ${DEMO_WS}\nintegrations:\n  slack_bot:\n    integrationName: slack\n    connectionId: conn_slack_bot\n  workspace_kv:\n    integrationName: kv-store\n    settings:\n      persistence:\n        scope: workspace\n`,
    );
    const planned = run("plan", "-f", file);
    expect(planned.status, planned.stderr).toBe(2);
    expect(planned.stdout).toMatch(/\+ create slack_bot \(slack\)/);
    const noTty = run("apply", "-f", file);
    expect(noTty.status).toBe(1);
    expect(noTty.stderr).toMatch(/pass --yes/);
    const applied = run("apply", "-f", file, "--yes");
    expect(applied.status, applied.stderr).toBe(2);
    expect(applied.stdout).toMatch(/\[2\/2\] create workspace_kv/);
    expect(run("apply", "-f", file, "--yes").status).toBe(0);

    const exported = join(dir, "export.yaml");
    expect(run("export", "--workspace-id", DEMO_WS, "-o", exported).status).toBe(0);
    expect(readFileSync(exported, "utf8")).toMatch(/workspace_kv:\n\s+integrationName: kv-store/);
    const again = run("plan", "-f", exported);
    expect(again.status, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toMatch(/No changes/);

    writeFileSync(
      file,
      `{"workspaceId": "${DEMO_WS}", "integrations": {"x": {"integrationName": "slak"}}}`,
    );
    const bad = run("plan", "-f", file);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/closest: .*slack/);
    expect(run("plan").status).toBe(1);
  });
});
