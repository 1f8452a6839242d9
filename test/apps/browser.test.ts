// The plan review App in headless chromium (Debian's, via playwright-core): a test host page
// built on ext-apps' AppBridge renders the view our server serves, for a real plan from our
// server on the real local API, and proxies the view's tool calls to a real SDK v2 client.
// Clicking Approve applies the plan; Cancel changes nothing; stored text stays text.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Client } from "@modelcontextprotocol/client";
import type { Browser, Frame } from "playwright-core";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Database } from "../../src/local/sqlite.js";
import { launchBrowser } from "../helpers/browser.js";
import { DEMO_WS } from "../helpers/mcp.js";
import { startAppsServer } from "./helpers.js";
import { hostView } from "./host.mjs";

const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** axe-core's WCAG 2 A/AA findings in a view, as "rule: target" lines. */
async function accessibilityViolations(frame: Frame): Promise<string[]> {
  // Evaluated through the devtools protocol, which the view's CSP does not govern.
  await frame.evaluate(`${AXE};0`);
  const found = (await frame.evaluate(() =>
    (globalThis as any).axe.run((globalThis as any).document, {
      runOnly: ["wcag2a", "wcag2aa"],
    }),
  )) as { violations: { id: string; nodes: { target: string[] }[] }[] };
  return found.violations.flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(" ")}`));
}

const PLAN = "ui://weavz/plan";
const WORKSPACE = "ui://weavz/workspace";
type Result = { isError?: boolean; content: any[]; structuredContent?: any; _meta?: any };

// A browser on a shared, loaded machine: generous per-test limits (they wait on events).
describe("plan review App in a browser host", { timeout: 120_000 }, () => {
  let browser: Browser;
  let srv: Awaited<ReturnType<typeof startAppsServer>>;
  let ui: Client;
  const call = async (name: string, args: Record<string, unknown>) =>
    (await ui.callTool({ name, arguments: args })) as Result;
  const aliases = async (): Promise<string[]> =>
    (
      await call("list_workspace_integrations", { workspaceId: DEMO_WS, limit: 100 })
    ).structuredContent.integrations.map((i: { alias: string }) => i.alias);
  /** A destructive plan's preview: create NEW, delete OLD (prune), as apply returns it. */
  const destructivePreview = async (keep: string, gone: string, add: string) => {
    for (const alias of [keep, gone]) {
      await call("create_workspace_integration", {
        workspaceId: DEMO_WS,
        integrationName: "kv-store",
        alias,
      });
    }
    const others = (await aliases()).filter((a) => a !== keep && a !== gone);
    const integrations: Record<string, unknown> = {
      [keep]: { integrationName: "kv-store" },
      [add]: { integrationName: "kv-store" },
    };
    for (const a of others) integrations[a] = { integrationName: "kv-store" };
    const plan = await call("plan_workspace", { workspaceId: DEMO_WS, prune: true, integrations });
    expect(plan.isError, plan.content[0].text).toBeFalsy();
    const input = { planId: plan.structuredContent.planId };
    const preview = await call("apply_workspace_plan", input);
    expect(preview.structuredContent.status).toBe("not_confirmed");
    return { input, preview };
  };

  beforeAll(async () => {
    [browser, srv] = await Promise.all([launchBrowser(), startAppsServer()]);
    ui = await srv.connect(true);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await srv?.close();
  });

  it("shows the steps as a diff, and Approve applies the plan through the host", async () => {
    const { input, preview } = await destructivePreview("kv_keep", "kv_gone", "kv_added");
    const { page, frame } = await hostView(browser, ui, { uri: PLAN, input, result: preview });
    try {
      const view = frame();
      await view.getByRole("button", { name: "Approve" }).waitFor();
      const steps = view.locator("li.step");
      expect(await steps.count()).toBe(2);
      await expect
        .poll(() => view.locator("li.step.create").textContent(), { timeout: 15_000 })
        .toContain("kv_added");
      const del = view.locator("li.step.delete");
      expect(await del.textContent()).toContain("kv_gone");
      expect(await del.textContent()).toContain("destructive");
      expect(await aliases()).toContain("kv_gone");
      expect(await accessibilityViolations(view)).toEqual([]);
      await view.getByRole("button", { name: "Approve" }).click();
      await view.locator(".outcome.ok").waitFor();
      expect(await view.locator(".outcome.ok").textContent()).toMatch(/Applied plan/);
      const now = await aliases();
      expect(now).toContain("kv_added");
      expect(now).not.toContain("kv_gone");
      // The view went through the app-only helper, and told the model what happened.
      const calls = (await page.evaluate(() => (globalThis as any).toolCalls)) as {
        name: string;
      }[];
      expect(calls.map((c) => c.name)).toEqual(["app_decide_change"]);
      const context = JSON.stringify(await page.evaluate(() => (globalThis as any).modelContext));
      expect(context).toMatch(/the user approved apply_workspace_plan/);
    } finally {
      await page.close();
    }
  });

  it("Cancel changes nothing, and the token can no longer confirm the plan", async () => {
    const { input, preview } = await destructivePreview("kv_stay", "kv_spared", "kv_never");
    const before = await aliases();
    const { page, frame } = await hostView(browser, ui, { uri: PLAN, input, result: preview });
    try {
      const view = frame();
      await view.getByRole("button", { name: "Cancel" }).click();
      await view.getByText("Cancelled").first().waitFor();
      expect(await view.getByRole("button", { name: "Approve" }).count()).toBe(0);
      expect(await aliases()).toEqual(before);
      const echoed = await call("apply_workspace_plan", {
        ...input,
        confirm: preview.structuredContent.confirm,
      });
      expect(echoed.isError).toBe(true);
      expect(await aliases()).toEqual(before);
    } finally {
      await page.close();
    }
  });

  it("renders an alias holding markup as text: no element, no script", async () => {
    const made = await call("create_workspace_integration", {
      workspaceId: DEMO_WS,
      integrationName: "kv-store",
      alias: "kv_markup",
    });
    const id = made.structuredContent.integration.id as string;
    // The API's alias rules would refuse it; stored data from elsewhere need not follow them.
    const evil = `<img src=x onerror="parent.postMessage('xss','*');document.title='xss'">`;
    const db = new Database(srv.local.dbPath);
    try {
      db.prepare("UPDATE workspace_integrations SET alias = ? WHERE id = ?").run(evil, id);
    } finally {
      db.close();
    }
    const input = { workspaceId: DEMO_WS, id };
    const preview = await call("delete_workspace_integration", input);
    expect(preview.isError, preview.content[0].text).toBeFalsy();
    expect(preview.structuredContent.preview.alias).toBe(evil);
    const { page, frame } = await hostView(browser, ui, { uri: PLAN, input, result: preview });
    try {
      const view = frame();
      await view.getByRole("button", { name: "Approve" }).waitFor();
      expect(await view.locator("li.step .alias").textContent()).toBe(evil);
      expect(await view.locator("img").count()).toBe(0);
      expect(await view.evaluate(() => (globalThis as any).document.title)).not.toBe("xss");
      // Cancel, so the row is left as found.
      await view.getByRole("button", { name: "Cancel" }).click();
      await view.getByText("Cancelled").first().waitFor();
    } finally {
      await page.close();
    }
  });

  it("workspace overview: reads the whole picture through the host's read tools", async () => {
    await call("create_workspace_integration", {
      workspaceId: DEMO_WS,
      integrationName: "kv-store",
      alias: "kv_overview",
    });
    const made = await request(`${srv.local.url}/api/v1/mcp/servers`, {
      method: "POST",
      headers: { authorization: `Bearer ${srv.local.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "Overview server", workspaceId: DEMO_WS, mode: "TOOLS" }),
    });
    expect(made.statusCode).toBe(201);
    await made.body.dump();
    // The linked call returned one page of one integration; the view reads the rest itself.
    const input = { workspaceId: DEMO_WS, limit: 1 };
    const first = await call("list_workspace_integrations", input);
    const { page, frame } = await hostView(browser, ui, { uri: WORKSPACE, input, result: first });
    try {
      const view = frame();
      await view.locator("details.server").first().waitFor();
      await view.getByText("updated").first().waitFor();
      const all = await aliases();
      expect(await view.locator("section.integrations tbody tr").count()).toBe(all.length);
      expect(await view.locator('tr[data-alias="kv_overview"]').textContent()).toMatch(
        /kv-store.*fixed/,
      );
      // The demo data's own MCP server is listed too: open the one made here.
      const ours = view.locator("details.server", { hasText: "Overview server" });
      await ours.locator("summary").click();
      expect(await ours.locator('li[data-alias="kv_overview"]').textContent()).toMatch(
        /kv_overview \(5\): put, get, delete/,
      );
      const names = (
        (await page.evaluate(() => (globalThis as any).toolCalls)) as { name: string }[]
      ).map((c) => c.name);
      expect(names).toContain("list_workspace_integrations");
      expect(names).toContain("list_mcp_servers");
      expect(names).toContain("get_mcp_server");
      expect(await accessibilityViolations(view)).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
