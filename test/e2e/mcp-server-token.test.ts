import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO } from "../../src/local/demo.js";
import { runCli, startLocalApiCli, stopCli, tempDir, useCliProcesses } from "../helpers/cli.js";
import { DEMO_WS, setup } from "../helpers/mcp.js";

/**
 * How to reach a local MCP endpoint, as a user would: the MCP tools name the endpoint and the
 * way to a token; `weavz-mcp mcp-server token ID` mints one (real CLI, real SQLite file);
 * `weavz-mcp local-api` serves the endpoint and the SDK client connects with that token.
 */
describe("reaching a local MCP endpoint", () => {
  useCliProcesses();

  it("list_mcp_servers and get_mcp_server show the endpoint and how to get a token", async () => {
    const env = await setup();
    try {
      const list = await env.call("list_mcp_servers", { workspaceId: DEMO_WS });
      expect(list.isError, env.text(list)).toBeFalsy();
      const demo = list.structuredContent?.servers.find((s: any) => s.id === DEMO.mcpServerId);
      expect(demo).toMatchObject({ authMode: "oauth", hasBearerToken: false });
      expect(demo.mcpEndpoint).toBe(`${env.local.url}/api/v1/mcp/servers/${DEMO.mcpServerId}/mcp`);
      const text = env.text(list);
      expect(text).toContain(
        `- ${DEMO.mcpServerId}: endpoint ${demo.mcpEndpoint}; clients sign in with OAuth (the local API serves bearer tokens only:`,
      );
      expect(text).toContain(`\`weavz-mcp mcp-server token ${DEMO.mcpServerId}\``);
      const one = await env.call("get_mcp_server", { id: DEMO.mcpServerId });
      expect(one.structuredContent?.server.mcpEndpoint).toBe(demo.mcpEndpoint);
      expect(env.text(one)).toMatch(
        new RegExp(
          `\\nReach it: endpoint ${demo.mcpEndpoint.replace(/[.]/g, "\\.")}; clients sign in with OAuth .*mcp-server token`,
        ),
      );
    } finally {
      await env.close();
    }
  });

  describe("weavz-mcp mcp-server token", () => {
    let db: string;
    beforeAll(() => {
      db = join(tempDir("weavz-token-"), "local.db");
    });
    const clients: Client[] = [];
    afterAll(async () => {
      for (const c of clients) await c.close().catch(() => {});
    });
    const connect = async (endpoint: string, token: string) => {
      const client = new Client({ name: "token-test", version: "1.0.0" });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(endpoint), {
          requestInit: { headers: { authorization: `Bearer ${token}` } },
        }),
      );
      clients.push(client);
      return client;
    };

    it("prints the endpoint and a new token once; the token opens the endpoint and the next one replaces it", async () => {
      const first = await runCli(["mcp-server", "token", DEMO.mcpServerId, "--db", db]);
      expect(first.code, first.stderr).toBe(0);
      const token = /^token: (mcp_[A-Za-z0-9]+)$/m.exec(first.stdout)?.[1] as string;
      const endpoint = /^endpoint: (\S+)$/m.exec(first.stdout)?.[1] as string;
      expect(token).toBeTruthy();
      expect(endpoint).toBe(`http://127.0.0.1:8787/api/v1/mcp/servers/${DEMO.mcpServerId}/mcp`);
      expect(first.stdout).toMatch(/shown once/);
      // The demo server signs in with OAuth only: the token comes beside it.
      expect(first.stdout).toMatch(/^auth mode: oauth → oauth_and_bearer/m);
      const api = await startLocalApiCli(["--db", db]);
      try {
        const served = endpoint.replace("http://127.0.0.1:8787", api.url);
        const client = await connect(served, token);
        const { tools } = await client.listTools();
        expect(Array.isArray(tools)).toBe(true);
        await expect(connect(served, `${token.slice(0, -1)}x`)).rejects.toThrow();
        // A second run replaces the token: the first no longer opens a new session.
        const second = await runCli(["mcp-server", "token", DEMO.mcpServerId, "--db", db]);
        expect(second.code, second.stderr).toBe(0);
        const next = /^token: (mcp_[A-Za-z0-9]+)$/m.exec(second.stdout)?.[1] as string;
        expect(second.stdout).not.toMatch(/auth mode/);
        expect(next).not.toBe(token);
        await expect(connect(served, token)).rejects.toThrow();
        await connect(served, next);
      } finally {
        await stopCli(api);
      }
    }, 60_000);

    it("names the mistake: an unknown id, a missing id", async () => {
      const unknown = await runCli(["mcp-server", "token", "nope", "--db", db]);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toMatch(
        /^weavz-mcp: NOT_FOUND: no MCP server with id "nope".*list_mcp_servers/,
      );
      const missing = await runCli(["mcp-server", "token"]);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/usage: weavz-mcp mcp-server token ID/);
      expect(unknown.stdout + missing.stdout).toBe("");
    });
  });
});
