import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { runCli, tempDir, useCliProcesses } from "../helpers/cli.js";
import { DEMO_WS } from "../helpers/mcp.js";
import { runPlanCli } from "../helpers/plan-cli.js";

// The real commands on their embedded local API with a fresh demo database: run in this
// process (runPlanCli: same parsing, same command, captured output), plus two runs of the
// built CLI spawned as users run it (a non-terminal stdin, YAML on stdout).
useCliProcesses();

/** The spec's examples as one desired state, written as a person would (defaults left out). */
const SPEC_YAML = `# support workspace
workspaceId: ${DEMO_WS}
integrations:
  slack_bot:
    integrationName: slack
    connectionId: conn_slack_bot
  slack_user:
    integrationName: slack
    connectionStrategy: per_user
  openai:
    integrationName: openai
    connectionId: conn_org_openai
  gmail:
    integrationName: gmail
    connectionStrategy: per_user
  advanced_code:
    integrationName: advanced-code
    settings:
      advancedCode:
        timeoutSeconds: 45
        sandboxPersistence: persistent
        storageMountScope: workspace
  workspace_kv:
    integrationName: kv-store
    settings:
      persistence:
        scope: workspace
`;

const NO_STACK = /^\s+at /m;

describe("weavz-mcp export / plan / apply (GitOps CLI)", () => {
  let dir: string;
  let db: string[];
  let spec: string;
  beforeAll(() => {
    dir = tempDir("weavz-plancli-");
    db = ["--db", join(dir, "local.db")];
    spec = join(dir, "support.yaml");
    writeFileSync(spec, SPEC_YAML);
  });

  it("apply without a terminal and without --yes refuses (exit 1) and changes nothing", async () => {
    // Spawned: stdin of a real process that is not a terminal.
    const r = await runCli(["apply", "-f", spec, ...db]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/6 to create/);
    expect(r.stderr).toMatch(/pass --yes/);
    const again = await runPlanCli(["plan", "-f", spec, ...db]);
    expect(again.code).toBe(2);
    expect(again.stdout).toMatch(/6 to create, 0 to update, 0 to delete/);
  }, 60_000);

  it("plan exits 2 on pending changes; apply --yes applies them with progress; plan then exits 0", async () => {
    const planned = await runPlanCli(["plan", "-f", spec, ...db]);
    expect(planned.code).toBe(2);
    expect(planned.stdout).toMatch(/\+ create workspace_kv \(kv-store\)/);
    const applied = await runPlanCli(["apply", "-f", spec, "--yes", ...db]);
    expect(applied.stderr).toBe(
      [
        "[1/6] create slack_bot (slack)",
        "[2/6] create slack_user (slack)",
        "[3/6] create openai (openai)",
        "[4/6] create gmail (gmail)",
        "[5/6] create advanced_code (advanced-code)",
        "[6/6] create workspace_kv (kv-store)",
        "",
      ].join("\n"),
    );
    expect(applied.stdout).toMatch(/Applied 6 change\(s\)/);
    expect(applied.code).toBe(0);
    const after = await runPlanCli(["plan", "-f", spec, ...db]);
    expect(after.stdout).toMatch(/No changes: 6 integration\(s\) already as desired/);
    expect(after.code).toBe(0);
    // Applying again is a no-op that succeeds.
    const reapplied = await runPlanCli(["apply", "-f", spec, ...db]);
    expect(reapplied.code).toBe(0);
    expect(reapplied.stdout).toMatch(/Nothing to apply/);
  }, 90_000);

  it("export writes YAML without defaults, and planning the export shows no changes", async () => {
    const out = join(dir, "exported.yaml");
    const r = await runPlanCli(["export", "-o", out, ...db]);
    expect(r.code).toBe(0);
    const text = readFileSync(out, "utf8");
    const state = parseYaml(text) as { workspaceId: string; integrations: Record<string, any> };
    expect(state.workspaceId).toBe(DEMO_WS);
    expect(Object.keys(state.integrations).sort()).toEqual(
      ["advanced_code", "gmail", "openai", "slack_bot", "slack_user", "workspace_kv"].sort(),
    );
    // Defaults stay out so the file reads like the one a person writes.
    expect(text).not.toMatch(/connectionStrategy: fixed|prune: false|enabledActions: null/);
    expect(state.integrations.slack_user.connectionStrategy).toBe("per_user");
    expect(state.integrations.workspace_kv.settings).toEqual({
      persistence: { scope: "workspace" },
    });
    const plan = await runPlanCli(["plan", "-f", out, ...db]);
    expect(plan.stdout).toMatch(/No changes/);
    expect(plan.code).toBe(0);
    // Without -o the YAML goes to stdout, and it is the same document.
    // Spawned: the YAML on a real process's stdout.
    const toStdout = await runCli(["export", "--workspace-id", DEMO_WS, ...db]);
    expect(toStdout.code).toBe(0);
    expect(parseYaml(toStdout.stdout)).toEqual(state);
  }, 60_000);

  it("accepts JSON; --prune turns unmanaged integrations into deletes", async () => {
    const json = join(dir, "small.json");
    writeFileSync(
      json,
      JSON.stringify({
        workspaceId: DEMO_WS,
        integrations: { slack_bot: { integrationName: "slack", connectionId: "conn_slack_bot" } },
      }),
    );
    const kept = await runPlanCli(["plan", "-f", json, ...db]);
    expect(kept.code).toBe(0);
    expect(kept.stdout).toMatch(/unmanaged .*workspace_kv \(kv-store\)/);
    const pruned = await runPlanCli(["plan", "-f", json, "--prune", ...db]);
    expect(pruned.code).toBe(2);
    expect(pruned.stdout).toMatch(/5 to delete/);
    expect(pruned.stdout).toMatch(/- delete gmail \(gmail/);
  }, 60_000);

  it("a bad file exits 1 with a message naming the file and the field, never a stack", async () => {
    const bad = join(dir, "bad.yaml");
    writeFileSync(
      bad,
      `workspaceId: ${DEMO_WS}\nintegrations:\n  kv:\n    integrationName: kv-store\n    connectionStrategy: sometimes\n    colour: blue\n`,
    );
    const r = await runPlanCli(["plan", "-f", bad, ...db]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(bad);
    expect(r.stderr).toMatch(/integrations\.kv\.connectionStrategy: .*fixed/);
    expect(r.stderr).toMatch(/integrations\.kv: .*colour/);
    expect(r.stderr).not.toMatch(NO_STACK);

    const broken = join(dir, "broken.yaml");
    writeFileSync(broken, "workspaceId: x\nintegrations: [\n");
    const y = await runPlanCli(["apply", "-f", broken, "--yes", ...db]);
    expect(y.code).toBe(1);
    expect(y.stderr).toMatch(/broken\.yaml: not valid YAML or JSON: .*line \d+/);
    expect(y.stderr).not.toMatch(NO_STACK);

    const missing = await runPlanCli(["plan", "-f", join(dir, "nope.yaml"), ...db]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nope\.yaml: cannot read the file \(no such file\)/);

    const noFile = await runPlanCli(["plan", ...db]);
    expect(noFile.code).toBe(1);
    expect(noFile.stderr).toMatch(/-f FILE/);
  }, 60_000);

  it("problems the API would reject exit 1 before any write, with the closest names", async () => {
    const typo = join(dir, "typo.yaml");
    writeFileSync(
      typo,
      `workspaceId: ${DEMO_WS}\nintegrations:\n  chat:\n    integrationName: slak\n    connectionId: conn_slack_bot\n`,
    );
    const r = await runPlanCli(["apply", "-f", typo, "--yes", ...db]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/integrations\.chat\.integrationName: .*slack/);
    expect(r.stderr).toMatch(/typo\.yaml: 1 problem\(s\).*Nothing was applied/);
    // The same problem in a JSON file, through plan (from the CLI's first version's test).
    const typoJson = join(dir, "typo.json");
    writeFileSync(
      typoJson,
      JSON.stringify({ workspaceId: DEMO_WS, integrations: { x: { integrationName: "slak" } } }),
    );
    const j = await runPlanCli(["plan", "-f", typoJson, ...db]);
    expect(j.code).toBe(1);
    expect(j.stdout).toMatch(/integrations\.x\.integrationName: .*slack/);
    const plan = await runPlanCli(["plan", "-f", spec, ...db]);
    expect(plan.code).toBe(0);
  }, 60_000);
});

describe("apply's confirmation on a terminal", () => {
  // A pseudo-terminal cannot be attached to a spawned process portably, so this one runs the
  // command in-process with a stand-in terminal (isTty + answers); everything else is real.
  it("applies only after the answer yes; any other answer changes nothing (exit 1)", async () => {
    const { loadConfig } = await import("../../src/app/config.js");
    const { runPlanCommand } = await import("../../src/app/plan-commands.js");
    const { createLogger } = await import("../../src/log.js");
    const dir = tempDir("weavz-plancli-tty-");
    const file = join(dir, "kv.yaml");
    writeFileSync(
      file,
      `workspaceId: ${DEMO_WS}\nintegrations:\n  kv:\n    integrationName: kv-store\n`,
    );
    const run = async (args: string[], answer: string) => {
      let out = "";
      let err = "";
      const questions: string[] = [];
      const code = await runPlanCommand(
        loadConfig([...args, "--db", join(dir, "local.db")], {}),
        createLogger("error"),
        {
          out: (t) => {
            out += t;
          },
          err: (t) => {
            err += t;
          },
          isTty: true,
          ask: async (q) => {
            questions.push(q);
            return answer;
          },
        },
      );
      return { code, out, err, questions };
    };
    const declined = await run(["apply", "-f", file], "n");
    expect(declined.questions).toHaveLength(1);
    expect(declined.questions[0]).toMatch(/Apply these 1 change\(s\) to workspace/);
    expect(declined.code).toBe(1);
    expect(declined.err).toMatch(/cancelled; nothing was changed/);
    expect((await run(["plan", "-f", file], "")).code).toBe(2);
    const accepted = await run(["apply", "-f", file], "yes");
    expect(accepted.code).toBe(0);
    expect(accepted.err).toMatch(/\[1\/1\] create kv \(kv-store\)/);
    expect((await run(["plan", "-f", file], "")).code).toBe(0);
    // --yes skips the question.
    const skipped = await run(["apply", "-f", file, "--yes"], "");
    expect(skipped.questions).toEqual([]);
  }, 60_000);
});
