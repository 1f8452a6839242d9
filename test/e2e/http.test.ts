import { spawn } from "node:child_process";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWeavzClient } from "../../src/api/client.js";
import { silentLogger } from "../../src/log.js";
import { createServerFactory } from "../../src/mcp/server.js";
import type { HttpHandle } from "../../src/transports/http.js";
import { CLI } from "../helpers/build.js";
import { tempDir, trackChild, useCliProcesses } from "../helpers/cli.js";
import { initializeRequest, MCP_POST_HEADERS } from "../helpers/jsonrpc.js";
import { startTestLocalApi, type TestLocalApi } from "../helpers/local-api.js";
import { DEMO_WS, serveOverHttp } from "../helpers/mcp.js";

const INIT = initializeRequest({ protocolVersion: "2025-06-18" });

describe("Streamable HTTP transport", () => {
  let local: TestLocalApi;
  let http: HttpHandle;
  let api: ReturnType<typeof createWeavzClient>;
  let factory: ReturnType<typeof createServerFactory>;
  beforeAll(async () => {
    local = await startTestLocalApi();
    api = createWeavzClient({ baseUrl: local.url, apiKey: local.apiKey, log: silentLogger });
    factory = createServerFactory({ api, log: silentLogger, defaultWorkspaceId: DEMO_WS });
    http = await serveOverHttp(factory);
  });
  afterAll(async () => {
    await http.close();
    await api.close();
    await local.close();
  });

  const post = (body: unknown, headers: Record<string, string> = {}, url = http.url) =>
    request(url, {
      method: "POST",
      headers: { ...MCP_POST_HEADERS, ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });

  it("serves tools to the SDK client over HTTP and closes the session on DELETE", async () => {
    const client = new Client({ name: "http-test", version: "1" });
    const transport = new StreamableHTTPClientTransport(new URL(http.url));
    await client.connect(transport);
    const r = await client.callTool({
      name: "create_workspace_integration",
      arguments: { integrationName: "kv-store" },
    });
    expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
    const l = await client.callTool({ name: "list_workspace_integrations", arguments: {} });
    expect((l.structuredContent as any).integrations.map((i: any) => i.alias)).toContain(
      "kv-store",
    );
    const sessionId = transport.sessionId as string;
    expect(http.sessionCount()).toBeGreaterThanOrEqual(1);
    await transport.terminateSession();
    await client.close();
    const after = await post(
      { jsonrpc: "2.0", id: 2, method: "ping" },
      { "mcp-session-id": sessionId },
    );
    expect(after.statusCode).toBe(404);
    await after.body.dump();
  });

  it("rejects a foreign Host or Origin with 403 (DNS rebinding)", async () => {
    const host = await post(INIT, { host: "evil.example:80" });
    expect(host.statusCode).toBe(403);
    await host.body.dump();
    const origin = await post(INIT, { origin: "https://evil.example" });
    expect(origin.statusCode).toBe(403);
    await origin.body.dump();
    const ok = await post(INIT, { origin: `http://localhost:${http.port}` });
    expect(ok.statusCode).toBe(200);
    await ok.body.dump();
  });

  it("answers 404 for an unknown session, 400 for a first request that is not initialize", async () => {
    const unknown = await post(
      { jsonrpc: "2.0", id: 2, method: "ping" },
      { "mcp-session-id": "no-such-session" },
    );
    expect(unknown.statusCode).toBe(404);
    await unknown.body.dump();
    const noInit = await post({ jsonrpc: "2.0", id: 2, method: "tools/list" });
    expect(noInit.statusCode).toBe(400);
    await noInit.body.dump();
  });

  it("limits request bodies (413), rejects malformed JSON (400), other paths (404) and methods (405)", async () => {
    const big = await post(
      `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":"${"a".repeat(1024 * 1024)}"}}`,
    );
    expect(big.statusCode).toBe(413);
    await big.body.dump();
    const bad = await post("{nope");
    expect(bad.statusCode).toBe(400);
    expect(((await bad.body.json()) as any).error.code).toBe(-32700);
    const other = await request(http.url.replace("/mcp", "/other"));
    expect(other.statusCode).toBe(404);
    await other.body.dump();
    const put = await request(http.url, { method: "PUT", body: "{}" });
    expect(put.statusCode).toBe(405);
    await put.body.dump();
  });

  // When the sweep runs and whom it closes (to the millisecond) is tested on fake timers in
  // src/host/sessions.test.ts; here one real session over HTTP is closed by a real sweep. A
  // server of its own, with a 1 s idle timeout: long enough that a stalled machine between
  // the two requests below does not lose the session, and swept within about 2 s (the sweep
  // runs every second, its floor).
  it("closes sessions left idle", async () => {
    const idle = await serveOverHttp(factory, { idleTimeoutMs: 1000 });
    try {
      const init = await post(INIT, {}, idle.url);
      const sessionId = init.headers["mcp-session-id"] as string;
      await init.body.dump();
      expect(sessionId).toBeTruthy();
      const live = await post(
        { jsonrpc: "2.0", method: "notifications/initialized" },
        { "mcp-session-id": sessionId, "mcp-protocol-version": "2025-06-18" },
        idle.url,
      );
      expect(live.statusCode).toBe(202);
      await live.body.dump();
      expect(idle.sessionCount()).toBe(1);
      // Wait for the sweep to close it (the table empties), then ask with its id.
      const deadline = Date.now() + 15_000;
      while (idle.sessionCount() > 0) {
        if (Date.now() > deadline) throw new Error("the idle session was never swept");
        await new Promise((r) => setTimeout(r, 20));
      }
      const gone = await post(
        { jsonrpc: "2.0", id: 3, method: "ping" },
        { "mcp-session-id": sessionId, "mcp-protocol-version": "2025-06-18" },
        idle.url,
      );
      expect(gone.statusCode).toBe(404);
      await gone.body.dump();
    } finally {
      await idle.close();
    }
  });
});

describe("weavz-mcp --transport http (spawned)", () => {
  useCliProcesses();
  let dir: string;
  beforeAll(() => {
    dir = tempDir("weavz-http-");
  });

  it("prints the MCP URL and a client config, serves it, and stops on SIGTERM", async () => {
    const child = trackChild(
      spawn(process.execPath, [CLI, "--transport", "http", "--port", "0"], {
        env: { PATH: process.env.PATH ?? "", WEAVZ_LOCAL_DB: join(dir, "h.db") },
      }),
    );
    let out = "";
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 15_000);
      child.stdout.on("data", (d: Buffer) => {
        out += d;
        const m = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+\/mcp)/);
        if (m && out.includes("mcpServers")) {
          clearTimeout(timer);
          resolve(m[1] as string);
        }
      });
    });
    const config = JSON.parse(out.slice(out.indexOf("{")));
    expect(config.mcpServers.weavz.url).toBe(url);
    const client = new Client({ name: "spawned-http", version: "1" });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    const tools = await client.listTools();
    expect(tools.tools.length).toBeGreaterThan(3);
    await client.close();
    child.kill("SIGTERM");
    const code = await new Promise((r) => child.once("exit", r));
    expect(code).toBe(0);
  });
});
