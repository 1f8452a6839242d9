// The plan review's reading of tool results (src/apps-view/plan-model.ts), for the shapes the
// browser tests do not reach: a plan with problems, a failed apply, a host that drops the
// result's _meta, and undo_change's preview (issue 18's tool, linked by name).
import { describe, expect, it } from "vitest";
import { planView } from "../../src/apps-view/plan-model.js";

const text = (t: string) => [{ type: "text", text: t }];

describe("planView", () => {
  it("shows a plan's problems with their fixes, and offers nothing to approve", () => {
    const v = planView({
      content: text("Plan p1: 1 problem"),
      structuredContent: {
        planId: "p1",
        workspaceId: "w1",
        steps: [
          {
            n: 1,
            action: "update",
            alias: "chat",
            integrationName: "slack",
            changes: [
              { field: "alias", before: "team", after: "chat" },
              { field: "enabledActions", before: null, after: ["send_channel_message"] },
            ],
            destructive: false,
          },
        ],
        issues: [
          {
            alias: "mail",
            field: "integrationName",
            rule: "UNKNOWN_INTEGRATION",
            message: "no integration gmial",
            suggestions: ["gmail"],
          },
        ],
        counts: { create: 0, update: 1, delete: 0, unchanged: 0, unmanaged: 0 },
        unchanged: [],
        unmanaged: [{ alias: "old", id: "i9", integrationName: "kv-store" }],
      },
    });
    expect(v.problems).toEqual([
      {
        alias: "mail",
        field: "integrationName",
        message: "no integration gmial",
        suggestions: ["gmail"],
      },
    ]);
    expect(v.steps[0]).toMatchObject({ kind: "rename", from: "team", alias: "chat" });
    expect(v.steps[0]?.fields).toEqual([
      { field: "enabledActions", before: null, after: ["send_channel_message"] },
    ]);
    expect(v.outcome?.tone).toBe("error");
    expect(v.notes.join(" ")).toMatch(/old/);
    expect(v.confirm).toBeUndefined();
  });

  it("still offers Approve when the host drops _meta: tool told by shape, arguments from the input", () => {
    const v = planView(
      {
        content: text("Not done yet"),
        structuredContent: {
          planId: "p2",
          workspaceId: "w1",
          status: "not_confirmed",
          applied: [],
          notRun: [
            { n: 1, action: "create", alias: "a", integrationName: "kv-store" },
            { n: 2, action: "delete", alias: "b", integrationName: "kv-store", id: "i2" },
          ],
          confirm: "tok",
          expiresAt: "2026-12-05T19:00:00.000Z",
          preview: {
            destructiveSteps: [{ n: 2, action: "delete", alias: "b", integrationName: "kv-store" }],
          },
        },
      },
      { planId: "p2", confirm: "stale" },
    );
    expect(v.steps.map((s) => [s.kind, s.alias, s.destructive])).toEqual([
      ["create", "a", false],
      ["delete", "b", true],
    ]);
    expect(v.confirm).toEqual({
      tool: "apply_workspace_plan",
      arguments: { planId: "p2" },
      token: "tok",
      expiresAt: "2026-12-05T19:00:00.000Z",
    });
  });

  it("reports a failed apply: the step, its error, what ran and what did not", () => {
    const v = planView({
      content: text("Plan p3 stopped"),
      structuredContent: {
        planId: "p3",
        workspaceId: "w1",
        status: "failed",
        applied: [{ n: 1, action: "create", alias: "a", integrationName: "kv-store" }],
        failed: {
          n: 2,
          action: "delete",
          alias: "b",
          error: { code: "NOT_FOUND", message: "gone" },
        },
        notRun: [{ n: 3, action: "create", alias: "c", integrationName: "kv-store" }],
      },
      _meta: { "weavz/view": { tool: "apply_workspace_plan", arguments: { planId: "p3" } } },
    });
    expect(v.outcome).toEqual({
      tone: "error",
      text: "Stopped at step 2: NOT_FOUND gone",
      lines: ["done: 1. create a (kv-store)", "not run: 3. create c (kv-store)"],
    });
    expect(v.confirm).toBeUndefined();
  });

  it("reads undo_change's preview: its steps, what it undoes, and Approve", () => {
    const v = planView({
      content: text("Not done yet: undoing change c1"),
      structuredContent: {
        status: "not_confirmed",
        workspaceId: "w1",
        applied: [],
        notRun: [{ n: 1, action: "update", alias: "chat", integrationName: "slack" }],
        irreversible: [],
        confirm: "tok",
        preview: {
          summary: "Undo 1 change.",
          undoes: [{ id: "c1", line: "update chat: connectionStrategy fixed → per_user" }],
          steps: [
            {
              n: 1,
              action: "update",
              alias: "chat",
              integrationName: "slack",
              changes: [{ field: "connectionStrategy", before: "per_user", after: "fixed" }],
              destructive: true,
            },
          ],
        },
      },
      _meta: { "weavz/view": { tool: "undo_change", arguments: { changeId: "c1" } } },
    });
    expect(v.title).toBe("Undo");
    expect(v.steps[0]).toMatchObject({ kind: "update", destructive: true });
    expect(v.steps[0]?.fields).toEqual([
      { field: "connectionStrategy", before: "per_user", after: "fixed" },
    ]);
    expect(v.notes).toContain("Undoes: update chat: connectionStrategy fixed → per_user");
    expect(v.confirm).toMatchObject({
      tool: "undo_change",
      arguments: { changeId: "c1" },
      token: "tok",
    });
  });

  it("shows an error result's message and next step", () => {
    const v = planView({ isError: true, content: text("Error X: bad\nNext step: do Y") });
    expect(v.outcome).toEqual({ tone: "error", text: "Error X: bad", lines: ["Next step: do Y"] });
  });
});
