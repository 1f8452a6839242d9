import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWeavzClient } from "../../src/api/client.js";
import { applyPlan, planWorkspace } from "../../src/api/workspace-plan.js";
import { silentLogger } from "../../src/log.js";
import { startFaultProxy } from "../helpers/fault-proxy.js";
import { startTestLocalApi, type TestLocalApi } from "../helpers/local-api.js";
import { connectMcp, DEMO_WS } from "../helpers/mcp.js";

// The fault proxy is the one thing not real here: an API that fails one write on cue.
describe("apply_workspace_plan stopping at a failed step", () => {
  let local: TestLocalApi;
  let proxy: Awaited<ReturnType<typeof startFaultProxy>>;
  let mcp: Awaited<ReturnType<typeof connectMcp>>;
  beforeAll(async () => {
    local = await startTestLocalApi({ demo: true });
    proxy = await startFaultProxy(local.url);
    const api = createWeavzClient({ baseUrl: proxy.url, apiKey: local.apiKey, log: silentLogger });
    mcp = await connectMcp(api);
  });
  afterAll(async () => {
    await mcp.close();
    await proxy.close();
    await local.close();
  });

  it("reports exactly what was applied, what failed and what never ran", async () => {
    const desired = {
      workspaceId: DEMO_WS,
      integrations: {
        kv_one: { integrationName: "kv-store" },
        kv_two: { integrationName: "kv-store" },
        kv_three: { integrationName: "kv-store" },
      },
    };
    const planned = (await mcp.call("plan_workspace", desired)).structuredContent as any;
    expect(planned.steps).toHaveLength(3);
    let posts = 0;
    proxy.script((method, url) => {
      if (method === "POST" && url.includes("/integrations") && ++posts === 2) {
        return {
          kind: "status",
          status: 400,
          body: { error: "injected refusal", code: "VALIDATION_ERROR" },
        };
      }
      return { kind: "pass" };
    });
    const r = await mcp.call("apply_workspace_plan", { planId: planned.planId });
    proxy.script(() => ({ kind: "pass" }));
    const report = r.structuredContent as any;
    expect(report.status).toBe("failed");
    expect(report.applied.map((s: any) => s.alias)).toEqual(["kv_one"]);
    expect(report.applied[0].id).toMatch(/.+/);
    expect(report.failed).toMatchObject({
      n: 2,
      action: "create",
      alias: "kv_two",
      error: { code: "VALIDATION_ERROR", status: 400 },
    });
    expect(report.notRun.map((s: any) => s.alias)).toEqual(["kv_three"]);
    expect(mcp.text(r)).toMatch(
      /stopped at step 2 \(create kv_two\).*Applied: 1\. create kv_one.*Not run: 3\. create kv_three/s,
    );

    // The workspace holds exactly the applied part; planning again plans only the rest.
    const aliases = local.store.integrations.records(DEMO_WS).map((i) => i.alias);
    expect(aliases).toEqual(["kv_one"]);
    const rest = (await mcp.call("plan_workspace", desired)).structuredContent as any;
    expect(rest.steps.map((s: any) => `${s.action} ${s.alias}`)).toEqual([
      "create kv_two",
      "create kv_three",
    ]);
    expect(rest.unchanged).toEqual(["kv_one"]);
  });

  it("reports a step cancelled by the caller as CANCELLED, not FAILED", async () => {
    const api = createWeavzClient({ baseUrl: proxy.url, apiKey: local.apiKey, log: silentLogger });
    const plan = await planWorkspace(api, {
      workspaceId: DEMO_WS,
      prune: false,
      integrations: {
        kv_cancelled: { integrationName: "kv-store", connectionStrategy: "per_user" },
      },
    });
    const stop = new AbortController();
    proxy.script((method, url) => {
      if (method === "POST" && url.includes("/integrations")) {
        stop.abort();
        return { kind: "hang" };
      }
      return { kind: "pass" };
    });
    try {
      const report = await applyPlan(api, plan, { signal: stop.signal });
      expect(report.status).toBe("failed");
      expect(report.failed).toMatchObject({ alias: "kv_cancelled", error: { code: "CANCELLED" } });
    } finally {
      proxy.script(() => ({ kind: "pass" }));
      await api.close();
    }
  });
});
