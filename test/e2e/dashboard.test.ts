import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "../helpers/browser.js";
import { tempDir, useCliProcesses } from "../helpers/cli.js";
import {
  connectHttpClient,
  loadTime,
  navTiming,
  type SpawnedServer,
  seriousA11yViolations,
  spawnServer,
  timeLiveUpdate,
} from "../helpers/dashboard.js";
import { DEMO_WS, SLACK_BOT_CONN } from "../helpers/mcp.js";

/**
 * The dashboard as a user meets it: `weavz-mcp --transport http` spawned from dist/, its printed
 * login link opened in headless Debian chromium, changes made by a real MCP client (SDK) over
 * /mcp of the same server. Timings are measured and printed, never asserted.
 */
describe("dashboard in the HTTP mode, in a real browser", () => {
  useCliProcesses();
  let server: SpawnedServer;
  let agent: Awaited<ReturnType<typeof connectHttpClient>>;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const wsPath = `/workspaces/${DEMO_WS}`;

  beforeAll(async () => {
    const dir = tempDir("weavz-dashboard-");
    [server, browser] = await Promise.all([
      spawnServer(["--transport", "http", "--port", "0", "--db", join(dir, "local.db")]),
      launchBrowser(),
    ]);
    agent = await connectHttpClient(server.mcpUrl as string);
    // CSP is bypassed so the XSS check below proves the escaping itself, not the CSP behind it.
    context = await browser.newContext({ bypassCSP: true });
    page = await context.newPage();
  }, 60_000);

  afterAll(async () => {
    await agent?.client.close().catch(() => {});
    await browser?.close().catch(() => {});
    await server?.stop();
  });

  it("prints the MCP URL and the one-time dashboard link on the same port", () => {
    expect(server.stdout()).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+\/mcp/);
    expect(server.dashboardUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{43}$/);
    expect(new URL(server.dashboardUrl as string).origin).toBe(
      new URL(server.mcpUrl as string).origin,
    );
  });

  it("opens with the login link: a session cookie (HttpOnly, SameSite=Strict), then the demo workspace", async () => {
    const res = await page.goto(server.dashboardUrl as string);
    expect(res?.status()).toBe(200);
    // The token left the address bar.
    expect(page.url()).toBe(`${server.origin}/`);
    const cold = await navTiming(page);
    console.log(
      `[dashboard] first load, cold (login link, redirect, workspaces page, script and styles): ${cold.total} ms, of which the redirect ${cold.redirect} ms and the page's server time ${cold.server} ms`,
    );
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: "weavz_dashboard", httpOnly: true, sameSite: "Strict" });
    await expect(page.locator(`tr[data-workspace="${DEMO_WS}"]`).textContent()).resolves.toContain(
      "Demo Workspace",
    );
    await page.click(`a[href="${wsPath}"]`);
    await page.waitForSelector("#live[data-state='live']");
    // First load, measured on a fresh navigation of the integrations page.
    await page.goto(`${server.origin}${wsPath}`);
    const firstLoad = await loadTime(page);
    const warm = await navTiming(page);
    console.log(
      `[dashboard] first load of the integrations page (assets cached): ${firstLoad} ms, server time ${warm.server} ms (target < 300 ms)`,
    );
    expect(await page.locator("h1").textContent()).toContain("Demo Workspace");
  });

  it("the login link works once: another browser gets a refusal page", async () => {
    const other = await browser.newContext();
    const p = await other.newPage();
    const res = await p.goto(server.dashboardUrl as string);
    expect(res?.status()).toBe(401);
    expect(await p.locator("[role=alert]").textContent()).toContain("already used");
    await other.close();
  });

  it("shows an integration created through MCP without a reload, within the feed's latency", async () => {
    await page.goto(`${server.origin}${wsPath}`);
    await page.waitForSelector("#live[data-state='live']");
    // A marker a reload would wipe.
    await page.evaluate(() => {
      (globalThis as any).__stay = true;
    });
    const result = await timeLiveUpdate(
      page,
      "live update, row visible",
      'tr[data-alias="slack_live"]',
      10_000,
      () =>
        agent.call("create_workspace_integration", {
          workspaceId: DEMO_WS,
          integrationName: "slack",
          alias: "slack_live",
          connectionId: SLACK_BOT_CONN,
          enabledActions: ["send_channel_message"],
        }),
    );
    expect(result.isError).toBeFalsy();
    expect(await page.evaluate(() => (globalThis as any).__stay)).toBe(true);
    const row = page.locator('tr[data-alias="slack_live"]');
    expect(await row.textContent()).toContain("Slack Bot");
    expect(await row.textContent()).toContain("send_channel_message");
  });

  it("renders a display name holding markup as text", async () => {
    const evil = `<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>`;
    const r = await agent.call("create_workspace_integration", {
      workspaceId: DEMO_WS,
      integrationName: "kv-store",
      alias: "kv_xss",
      displayName: evil,
    });
    expect(r.isError).toBeFalsy();
    const row = page.locator('tr[data-alias="kv_xss"]');
    await row.waitFor();
    expect(await row.locator(".display-name").textContent()).toBe(evil);
    expect(await row.locator("img, script").count()).toBe(0);
    // A full page load renders it as text too (not only the live fragment).
    await page.reload();
    expect(await page.locator('tr[data-alias="kv_xss"] .display-name').textContent()).toBe(evil);
    expect(await page.evaluate(() => (globalThis as any).__xss)).toBeUndefined();
  });

  it("opens an integration's history and undoes its creation through the confirmation", async () => {
    await page.goto(`${server.origin}${wsPath}`);
    await page.click('tr[data-alias="slack_live"] a:has-text("History")');
    const created = page.locator('li.change[data-alias="slack_live"][data-operation="create"]');
    await created.waitFor();
    // Who: the MCP client that made it; what: the configuration it created.
    expect(await created.locator(".actor").textContent()).toContain("dashboard-test-agent");
    expect(await created.locator("table.diff").textContent()).toContain("send_channel_message");
    await created.locator('a:has-text("Undo")').click();
    const confirm = page.locator('form button:has-text("Undo this change")');
    await confirm.waitFor();
    expect(await page.locator("ol.steps").textContent()).toContain("Delete “slack_live”");
    // A forged confirmation from another origin changes nothing.
    const [cookie] = await context.cookies();
    const form = new URLSearchParams({
      _csrf: (await page.locator('input[name="_csrf"]').first().getAttribute("value")) as string,
      fingerprint: (await page
        .locator('input[name="fingerprint"]')
        .getAttribute("value")) as string,
    });
    const forged = await fetch(new URL(page.url()), {
      method: "POST",
      redirect: "manual",
      headers: {
        cookie: `${cookie?.name}=${cookie?.value}`,
        origin: "http://evil.example",
        "content-type": "application/x-www-form-urlencoded",
      },
      body: form.toString(),
    });
    expect(forged.status).toBe(403);
    await confirm.click();
    await page.waitForSelector("#undone");
    // The undo is itself in the history, recorded as this dashboard session.
    const undo = page.locator('li.change[data-alias="slack_live"][data-operation="delete"]');
    expect(await undo.locator(".actor").textContent()).toContain("weavz-mcp dashboard");
    await page.goto(`${server.origin}${wsPath}`);
    expect(await page.locator('tr[data-alias="slack_live"]').count()).toBe(0);
    expect(await page.locator('tr[data-alias="kv_xss"]').count()).toBe(1);
    const list = await agent.call("list_workspace_integrations", { workspaceId: DEMO_WS });
    expect(JSON.stringify(list.structuredContent)).not.toContain("slack_live");
  });

  it("filters the integrations as one types", async () => {
    await agent.call("create_workspace_integration", {
      workspaceId: DEMO_WS,
      integrationName: "slack",
      alias: "slack_filter",
      connectionId: SLACK_BOT_CONN,
    });
    await page.goto(`${server.origin}${wsPath}`);
    await page.fill("#filter", "kv");
    expect(await page.locator('tr[data-alias="slack_filter"]').isHidden()).toBe(true);
    expect(await page.locator('tr[data-alias="kv_xss"]').isVisible()).toBe(true);
    expect(page.url()).toContain("q=kv");
    await page.fill("#filter", "");
    expect(await page.locator('tr[data-alias="slack_filter"]').isVisible()).toBe(true);
  });

  it("refuses requests without the session cookie or from a foreign Origin", async () => {
    const noCookie = await fetch(`${server.origin}${wsPath}`, { redirect: "manual" });
    expect(noCookie.status).toBe(401);
    expect(await noCookie.text()).not.toContain("slack_live");
    const events = await fetch(`${server.origin}/events?workspace=${DEMO_WS}`);
    expect(events.status).toBe(401);
    const [cookie] = await context.cookies();
    const jar = `${cookie?.name}=${cookie?.value}`;
    const csrf = await page.locator('meta[name="csrf-token"]').getAttribute("content");
    const post = (headers: Record<string, string>, body: string) =>
      fetch(`${server.origin}/logout`, {
        method: "POST",
        redirect: "manual",
        headers: { cookie: jar, "content-type": "application/x-www-form-urlencoded", ...headers },
        body,
      });
    const foreign = await post({ origin: "http://evil.example" }, `_csrf=${csrf}`);
    expect(foreign.status).toBe(403);
    // Another local app on another port is foreign too (the MCP endpoint accepts it; the
    // dashboard's own check does not).
    const otherPort = await post({ origin: "http://127.0.0.1:1" }, `_csrf=${csrf}`);
    expect(await otherPort.json()).toMatchObject({ code: "FOREIGN_ORIGIN" });
    const noOrigin = await post({}, `_csrf=${csrf}`);
    expect(noOrigin.status).toBe(403);
    const badCsrf = await post({ origin: server.origin }, "_csrf=forged");
    expect(await badCsrf.json()).toMatchObject({ code: "BAD_CSRF_TOKEN" });
    // The session survived every refusal.
    const still = await fetch(`${server.origin}${wsPath}`, { headers: { cookie: jar } });
    expect(still.status).toBe(200);
  });

  it("shows the MCP servers page and the picture", async () => {
    await page.goto(`${server.origin}${wsPath}/servers`);
    expect(await page.locator("h1").textContent()).toContain("Demo Workspace");
    await page.goto(`${server.origin}${wsPath}/picture`);
    expect(await page.locator("svg.picture g.integration").count()).toBe(2);
    expect(
      await page.locator(`svg.picture g.connection[data-key="c:${SLACK_BOT_CONN}"]`).count(),
    ).toBe(1);
  });

  it("has no serious or critical accessibility violation on any page", async () => {
    await page.goto(`${server.origin}${wsPath}/history`);
    const undoLink = await page.locator("li.change a.button").first().getAttribute("href");
    const pages = [
      "/",
      wsPath,
      `${wsPath}/servers`,
      `${wsPath}/picture`,
      `${wsPath}/history`,
      undoLink as string,
    ];
    const found: Record<string, unknown> = {};
    for (const path of pages) {
      await page.goto(`${server.origin}${path}`);
      const v = await seriousA11yViolations(page);
      if (v.length > 0) found[path] = v;
    }
    // The login refusal page, seen by a browser without a session.
    const anon = await (await browser.newContext()).newPage();
    await anon.goto(`${server.origin}/`);
    const v = await seriousA11yViolations(anon);
    if (v.length > 0) found["(no session)"] = v;
    expect(found).toEqual({});
  });
});
