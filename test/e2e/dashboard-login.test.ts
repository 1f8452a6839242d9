import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "../helpers/browser.js";
import { tempDir, useCliProcesses } from "../helpers/cli.js";
import { type SpawnedServer, seriousA11yViolations, spawnServer } from "../helpers/dashboard.js";
import { DEMO_WS } from "../helpers/mcp.js";

const TOKEN = "carol-token-0123456789abcdef";

/**
 * The bearer-token login form (HTTP mode with --auth bearer), in a real browser: it is
 * accessible (axe: no serious or critical violation), a wrong token is refused on an
 * accessible page, and the right one opens the workspaces.
 */
describe("dashboard login form with bearer tokens, in a real browser", () => {
  useCliProcesses();
  let server: SpawnedServer;
  let browser: Browser;

  beforeAll(async () => {
    const dir = tempDir("weavz-dashboard-login-");
    const tokens = join(dir, "tokens");
    writeFileSync(tokens, `${TOKEN} name=carol\n`);
    [server, browser] = await Promise.all([
      spawnServer([
        "--transport",
        "http",
        "--port",
        "0",
        "--db",
        join(dir, "local.db"),
        "--auth",
        "bearer",
        "--tokens-file",
        tokens,
      ]),
      launchBrowser(),
    ]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close().catch(() => {});
    await server?.stop();
  });

  it("shows an accessible form, refuses a wrong token, and lets the right one in", async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${server.origin}/login`);
    expect(await page.locator("input#token").count()).toBe(1);
    expect(await seriousA11yViolations(page)).toEqual([]);

    await page.fill("input#token", "not-the-token-0123456789");
    await page.locator("form button[type=submit], form input[type=submit]").first().click();
    await page.waitForLoadState();
    expect(page.url()).not.toContain(`/workspaces/`);
    expect(await page.content()).not.toContain(DEMO_WS);
    expect(await seriousA11yViolations(page)).toEqual([]);

    await page.goto(`${server.origin}/login`);
    await page.fill("input#token", TOKEN);
    await page.locator("form button[type=submit], form input[type=submit]").first().click();
    await page.waitForLoadState();
    await page.goto(`${server.origin}/workspaces/${DEMO_WS}`);
    const body = await page.innerText("body");
    expect(body).toContain("Signed in as carol");
    expect(body).toContain("Demo Workspace");
    expect(await seriousA11yViolations(page)).toEqual([]);
  });
});
