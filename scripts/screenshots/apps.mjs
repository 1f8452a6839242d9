// Screenshots of the two MCP Apps views (README "In-chat views"), taken as a user's host
// would show them: the built CLI runs the local API (`local-api`, port 0) and the MCP server
// (stdio, pointed at it), an SDK v2 client that declares the UI extension drives it, and the
// test host page (test/apps/host.mjs, ext-apps' AppBridge) renders each view in chromium.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { hostView } from "../../test/apps/host.mjs";
import { launchChromium } from "../chromium.mjs";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CLI = join(ROOT, "dist", "cli.js");
const KEY = "wvz_test_0123456789abcdefghijklmnop";
const WS = "a1b2c3d4-e5f6-7890-abcd-ef1234567890";
const SLACK_BOT = "c1d2e3f4-5678-90ab-cdef-1234567890ab";
const UI = {
  extensions: { "io.modelcontextprotocol/ui": { mimeTypes: ["text/html;profile=mcp-app"] } },
};

export async function run({ outDir }) {
  const dir = mkdtempSync(join(tmpdir(), "weavz-apps-shots-"));
  const api = spawn(
    process.execPath,
    [CLI, "local-api", "--port", "0", "--db", join(dir, "local.db"), "--api-key", KEY],
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
  );
  let client;
  let browser;
  try {
    const base = await listening(api);
    await post(base, "/api/v1/mcp/servers", {
      name: "Support assistant",
      workspaceId: WS,
      mode: "TOOLS",
    });
    client = new Client({ name: "screenshots-host", version: "1.0.0" }, { capabilities: UI });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [CLI, "--toolsets", "default,plan"],
        env: { ...process.env, WEAVZ_API_KEY: KEY, WEAVZ_BASE_URL: base },
        stderr: "ignore",
      }),
    );
    const call = async (name, args) => {
      const r = await client.callTool({ name, arguments: args });
      if (r.isError) throw new Error(`${name}: ${r.content[0]?.text}`);
      return r;
    };
    const create = (alias, body) =>
      call("create_workspace_integration", { workspaceId: WS, alias, ...body });
    await create("team_slack", {
      integrationName: "slack",
      connectionStrategy: "fixed",
      connectionId: SLACK_BOT,
      enabledActions: ["send_channel_message", "get_channel_history"],
    });
    await create("cache", { integrationName: "kv-store" });
    await create("assistant", {
      integrationName: "openai",
      connectionStrategy: "fixed",
      connectionId: "conn_org_openai",
    });
    await create("old_gmail", { integrationName: "gmail", connectionStrategy: "per_user" });
    browser = await launchChromium();
    const saved = [];

    // The plan review: a rename, a strategy change, a create and a delete (prune), to approve.
    const plan = await call("plan_workspace", {
      workspaceId: WS,
      prune: true,
      integrations: {
        team_slack: {
          integrationName: "slack",
          connectionStrategy: "per_user_with_fallback",
          connectionId: SLACK_BOT,
          enabledActions: ["send_channel_message", "get_channel_history", "send_direct_message"],
        },
        session_cache: { integrationName: "kv-store", renamedFrom: "cache" },
        assistant: {
          integrationName: "openai",
          connectionStrategy: "fixed",
          connectionId: "conn_org_openai",
        },
        code: { integrationName: "github", connectionStrategy: "per_user" },
      },
    });
    const input = { planId: plan.structuredContent.planId };
    const preview = await call("apply_workspace_plan", input);
    saved.push(
      await shoot(
        browser,
        client,
        { uri: "ui://weavz/plan", input, result: preview },
        {
          path: join(outDir, "app-plan-review.png"),
          text: "Approve",
        },
      ),
    );

    // The workspace overview, after it has read everything through the host.
    const listInput = { workspaceId: WS };
    const list = await call("list_workspace_integrations", listInput);
    saved.push(
      await shoot(
        browser,
        client,
        { uri: "ui://weavz/workspace", input: listInput, result: list },
        {
          path: join(outDir, "app-workspace.png"),
          text: "updated",
          before: async (frame) => {
            await frame.locator("details.server summary").first().click();
          },
        },
      ),
    );
    return saved;
  } finally {
    await browser?.close();
    await client?.close().catch(() => {});
    api.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Renders VIEW (hostView's {uri, input, result}) in the test host, waits for TEXT in it, runs
 * BEFORE on its frame if given, and saves the frame as PATH.
 */
async function shoot(browser, client, view, { path, text, before }) {
  const { page, frame } = await hostView(browser, client, view, { width: 760, height: 720 });
  try {
    await frame().getByText(text).first().waitFor({ timeout: 60_000 });
    if (before) await before(frame());
    await page.waitForTimeout(300); // let the host apply the view's last size change
    // The view's frame lives in its own process: fit the page to it, then shoot the page.
    const box = await page.locator("#view").boundingBox();
    await page.setViewportSize({ width: 760, height: Math.ceil(box?.height ?? 720) });
    await page.waitForTimeout(300);
    await page.screenshot({ path });
    return path;
  } finally {
    await page.close();
  }
}

/** The local API's origin, from its "listening on" line. */
function listening(child) {
  return new Promise((resolve, reject) => {
    let seen = "";
    const onData = (chunk) => {
      seen += chunk;
      const m = /listening on (http:\/\/[^\s/]+)/.exec(seen);
      if (m) resolve(m[1]);
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => reject(new Error(`local API exited (${code}): ${seen}`)));
  });
}

async function post(base, path, body) {
  const res = await fetch(base + path, {
    method: "POST",
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
}
