// Screenshots of every dashboard page (`npm run screenshots dashboard`): a demo workspace is set
// up through the local REST API (integrations and an MCP server), then the HTTP mode serves it
// and an MCP client (the SDK) makes a few changes, so the history has entries with actors.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { launchChromium } from "../chromium.mjs";

const CLI = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));
const WS = "a1b2c3d4-e5f6-7890-abcd-ef1234567890";
const KEY = "wvz_screenshots_0123456789abcdef";

/** Spawns the CLI and resolves with it and its stdout once `pattern` was printed. */
function start(args, pattern) {
  const child = spawn(process.execPath, [CLI, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { PATH: process.env.PATH ?? "", WEAVZ_LOG_LEVEL: "warn" },
  });
  let out = "";
  return new Promise((resolve, reject) => {
    child.on("exit", (code) => reject(new Error(`exited with ${code}: ${out}`)));
    child.stdout.on("data", (d) => {
      out += d;
      const m = pattern.exec(out);
      if (m) resolve({ child, match: m });
    });
  });
}

const stop = (child) =>
  new Promise((resolve) => {
    child.removeAllListeners("exit");
    child.once("exit", resolve);
    child.kill("SIGTERM");
  });

async function seed(db) {
  const { child, match } = await start(
    ["local-api", "--port", "0", "--db", db, "--api-key", KEY],
    /listening on (http:\/\/\S+)\/api\/v1/,
  );
  try {
    await seedThrough(`${match[1]}/api/v1`);
  } finally {
    await stop(child);
  }
}

async function seedThrough(base) {
  const post = async (path, body) => {
    const res = await fetch(`${base}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  };
  await post("/mcp/servers", {
    name: "Support agent",
    workspaceId: WS,
    mode: "TOOLS",
    authMode: "oauth",
  });
  await post("/mcp/servers", {
    name: "Code runner",
    workspaceId: WS,
    mode: "CODE",
    authMode: "oauth",
  });
  await post(`/workspaces/${WS}/integrations`, {
    integrationName: "openai",
    alias: "openai",
    connectionId: "conn_org_openai",
    enabledActions: ["chat_completion", "create_embedding"],
  });
  await post(`/workspaces/${WS}/integrations`, {
    integrationName: "gmail",
    alias: "gmail",
    connectionStrategy: "per_user",
    enabledActions: ["list_messages", "send_email"],
  });
}

export async function run({ outDir }) {
  const dir = mkdtempSync(join(tmpdir(), "weavz-shots-"));
  const db = join(dir, "local.db");
  const saved = [];
  let server;
  let browser;
  let agent;
  try {
    await seed(db);
    const started = await start(
      ["--transport", "http", "--port", "0", "--db", db],
      /listening on (http:\/\/\S+)\/mcp\n[^\n]*login link\): (\S+)\n/,
    );
    server = started.child;
    const [, origin, link] = started.match;
    agent = new Client({ name: "claude-code", version: "2.1.0" });
    await agent.connect(new StreamableHTTPClientTransport(new URL(`${origin}/mcp`)));
    const call = (name, args) => agent.callTool({ name, arguments: args });
    await call("create_workspace_integration", {
      workspaceId: WS,
      integrationName: "slack",
      alias: "slack",
      connectionId: "c1d2e3f4-5678-90ab-cdef-1234567890ab",
      enabledActions: ["send_channel_message", "send_direct_message"],
    });
    await call("create_workspace_integration", {
      workspaceId: WS,
      integrationName: "kv-store",
      alias: "memory",
      displayName: "Agent memory",
    });
    await call("update_workspace_integration", {
      workspaceId: WS,
      alias: "slack",
      newAlias: "slack_team",
      enabledActions: ["send_channel_message"],
    });
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(link);
    const shoot = async (path, name) => {
      await page.goto(`${origin}${path}`);
      await page.waitForSelector("#live[data-state='live']");
      const file = join(outDir, `dashboard-${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      saved.push(file);
    };
    await shoot("/", "workspaces");
    await shoot(`/workspaces/${WS}`, "integrations");
    await shoot(`/workspaces/${WS}/servers`, "mcp-servers");
    await shoot(`/workspaces/${WS}/picture`, "picture");
    await shoot(`/workspaces/${WS}/history`, "history");
    // The undo confirmation of the newest change (when the backend serves history).
    const links = page.locator("li.change a.button");
    if ((await links.count()) > 0) await shoot(await links.first().getAttribute("href"), "undo");
  } finally {
    await agent?.close().catch(() => {});
    await browser?.close().catch(() => {});
    if (server) await stop(server);
    rmSync(dir, { recursive: true, force: true });
  }
  return saved;
}
