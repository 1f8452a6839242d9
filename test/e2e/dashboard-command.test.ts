import { get } from "node:http";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "../helpers/browser.js";
import { CLI } from "../helpers/build.js";
import { tempDir, useCliProcesses } from "../helpers/cli.js";
import { type SpawnedServer, spawnServer, timeLiveUpdate } from "../helpers/dashboard.js";
import { DEMO_WS, SLACK_BOT_CONN } from "../helpers/mcp.js";

/**
 * `weavz-mcp dashboard` for stdio users: the dashboard alone in one process, the MCP server an
 * MCP client launched over stdio in another, both on the same local database. A change made
 * through the stdio server shows up in the dashboard without a reload.
 */
describe("weavz-mcp dashboard beside a stdio server", () => {
  useCliProcesses();
  let dashboard: SpawnedServer;
  let agent: Client;
  let browser: Browser;

  beforeAll(async () => {
    const db = join(tempDir("weavz-dashboard-cmd-"), "local.db");
    [dashboard, browser] = await Promise.all([
      spawnServer(["dashboard", "--port", "0", "--db", db]),
      launchBrowser(),
    ]);
    agent = new Client({ name: "stdio-agent", version: "1.0.0" });
    await agent.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [CLI, "--db", db],
        env: { PATH: process.env.PATH ?? "", WEAVZ_LOG_LEVEL: "error" },
        stderr: "ignore",
      }),
    );
  }, 60_000);

  afterAll(async () => {
    await agent?.close().catch(() => {});
    await browser?.close().catch(() => {});
    await dashboard?.stop();
  });

  it("prints a loopback login link and refuses a foreign Host", async () => {
    expect(dashboard.dashboardUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{43}$/);
    expect(dashboard.stdout()).toContain("embedded local Weavz API");
    // A page on a rebinding domain reaches 127.0.0.1 with its own name in Host (fetch cannot
    // set Host, so node:http sends it).
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = get(`${dashboard.origin}/`, { headers: { host: "evil.example" } }, (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on("error", reject);
    });
    expect(status).toBe(403);
  });

  it("shows a change made through the stdio server, live", async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(dashboard.dashboardUrl as string);
    await page.goto(`${dashboard.origin}/workspaces/${DEMO_WS}`);
    await page.waitForSelector("#live[data-state='live']");
    const result = await timeLiveUpdate(
      page,
      "live update from another process",
      'tr[data-alias="slack_stdio"]',
      15_000,
      () =>
        agent.callTool({
          name: "create_workspace_integration",
          arguments: {
            workspaceId: DEMO_WS,
            integrationName: "slack",
            alias: "slack_stdio",
            connectionId: SLACK_BOT_CONN,
          },
        }),
    );
    expect(result.isError).toBeFalsy();
  });
});
