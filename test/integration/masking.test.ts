/**
 * Issue 8 #2: the configured API key must never leave the process. A hostile upstream (the
 * scripted fault server: the one thing here that is not the product, because no real API
 * echoes keys on cue) puts the key, with and without a `wvz_` prefix, into every string it
 * can: `error`, `message`, field messages, `details.existing`, display names, object keys,
 * request ids and a non-JSON error page. Every tool and resources/list/read/subscribe are then
 * driven through a real MCP client; nothing the client receives, nor any log line, may hold it.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { beforeAll, describe, expect, it } from "vitest";
import { createWeavzClient } from "../../src/api/client.js";
import { createLogger } from "../../src/log.js";
import { createServerFactory } from "../../src/mcp/server.js";
import { type Action, type FaultServer, json, startFaultServer } from "../api/fault-server.js";
import { sampleValidArgs } from "../fuzz/arbitraries.js";

const WS = "a1b2c3d4-e5f6-7890-abcd-ef1234567890";

/** Valid arguments per tool; tools not listed (added later) get schema-derived samples. */
const ARGS: Record<string, Record<string, unknown>> = {
  list_workspace_integrations: { workspaceId: WS },
  create_workspace_integration: {
    workspaceId: WS,
    integrationName: "slack",
    alias: "team_slack",
    connectionId: "conn_1",
  },
  update_workspace_integration: { workspaceId: WS, id: "wi_1", sortOrder: 2 },
  delete_workspace_integration: { workspaceId: WS, id: "wi_1" },
  list_workspaces: {},
  list_connections: { workspaceId: WS },
  search_catalog: { query: "send a message" },
  get_catalog_integration: { integrationName: "slack" },
  list_mcp_servers: { workspaceId: WS },
  get_mcp_server: { id: "srv_1" },
};

type Mode = "success" | "json-error" | "duplicate" | "text-error" | "unauthorized";
const MODES: Mode[] = ["success", "json-error", "duplicate", "text-error", "unauthorized"];

/** Success bodies shaped like the API's, with the key in every free-text field. */
function successBody(method: string, path: string, leak: string): unknown {
  const p = path.split("?")[0] ?? "";
  const stamp = "2025-01-15T10:30:00.000Z";
  const integration = {
    id: "wi_1",
    workspaceId: WS,
    orgId: "org_1",
    integrationName: "slack",
    alias: "team_slack",
    // Twice in one string: every occurrence must go, not only the first.
    displayName: `Leaky ${leak} (again: ${leak})`,
    connectionStrategy: "fixed",
    connectionId: "conn_1",
    enabledActions: [`act_${leak}`],
    settings: { localBrowser: { [leak]: leak } },
    sortOrder: 0,
    createdAt: stamp,
    updatedAt: stamp,
    connectionDisplayName: `Leaky ${leak}`,
  };
  const workspace = {
    id: WS,
    orgId: "org_1",
    name: `Leaky ${leak}`,
    slug: "leaky",
    createdAt: stamp,
    updatedAt: stamp,
  };
  const server = {
    id: "srv_1",
    orgId: "org_1",
    workspaceId: WS,
    name: `Leaky ${leak}`,
    description: leak,
    mode: "TOOLS",
    authMode: "bearer",
    hasBearerToken: true,
    createdAt: stamp,
    updatedAt: stamp,
  };
  const action = { name: "send_message", displayName: `Leaky ${leak}`, props: {} };
  const catalog = { name: "slack", displayName: `Leaky ${leak}`, actions: [action] };
  if (p === "/api/v1/workspaces") return { workspaces: [workspace], total: 1 };
  if (/^\/api\/v1\/workspaces\/[^/]+$/.test(p)) return { workspace };
  if (p.endsWith("/integrations") && p.startsWith("/api/v1/workspaces/")) {
    return method === "POST" ? { integration } : { integrations: [integration], total: 1 };
  }
  if (/\/integrations\/[^/]+$/.test(p)) {
    return method === "DELETE" ? { deleted: true, id: "wi_1" } : { integration };
  }
  if (p === "/api/v1/connections") {
    return {
      connections: [
        {
          id: "conn_1",
          externalId: leak,
          displayName: `Leaky ${leak}`,
          integrationName: "slack",
          type: "OAUTH2",
          status: "ACTIVE",
          scope: "ORGANIZATION",
          createdAt: stamp,
          updatedAt: stamp,
        },
      ],
      total: 1,
    };
  }
  if (p === "/api/v1/integrations") {
    return path.includes("name=")
      ? { integration: catalog }
      : {
          integrations: [{ ...catalog, actions: ["send_message"], actionCount: 1 }],
          total: 1,
          hits: [],
        };
  }
  if (p === "/api/v1/mcp/servers") return { servers: [server], total: 1 };
  if (p.startsWith("/api/v1/mcp/servers/")) {
    return {
      server,
      tools: [
        {
          id: "t1",
          mcpServerId: "srv_1",
          name: `team_slack__send_message`,
          integrationName: "slack",
          integrationAlias: "team_slack",
          actionName: "send_message",
          toolType: "ACTION",
          sourceWorkspaceIntegrationId: "wi_1",
          sortOrder: 0,
        },
      ],
    };
  }
  return { echo: leak };
}

function hostile(mode: Mode, method: string, url: string, auth: string, leak: string): Action {
  const headers = { "x-request-id": `req-${leak}` };
  // The hub's change feed is a local-API extension: answer it as the hosted API would.
  if (url.startsWith("/api/v1/changes")) return json(404, { error: "no", code: "NOT_FOUND" });
  switch (mode) {
    case "success":
      return json(200, successBody(method, url, leak), headers);
    case "json-error":
      return json(
        400,
        {
          error: `Invalid request for key ${leak}; key ${leak} again`,
          message: `You sent ${auth}`,
          code: "VALIDATION_ERROR",
          details: {
            issues: [
              { field: "alias", message: `taken by ${leak}`, allowed: [leak] },
              { field: leak, message: "bad" },
            ],
            existing: { displayName: leak },
            [leak]: auth,
          },
        },
        headers,
      );
    case "duplicate":
      return json(
        409,
        {
          error: `Alias in use (${leak})`,
          code: "DUPLICATE",
          details: { existing: { ...(successBody("PATCH", "/x/integrations/1", leak) as object) } },
        },
        headers,
      );
    case "text-error":
      return {
        kind: "text",
        status: 500,
        body: `<html><pre>${"x".repeat(190)}${auth}\nAuthorization: ${auth}</pre></html>`,
        headers,
      };
    case "unauthorized":
      return json(401, { message: `Key ${leak} is not valid`, code: "UNAUTHORIZED" }, headers);
  }
}

async function driveEverything(apiKey: string, leak: string) {
  const upstream: FaultServer = await startFaultServer();
  const logLines: string[] = [];
  const log = createLogger("debug", "test", (l) => logLines.push(l));
  const api = createWeavzClient({
    baseUrl: upstream.url,
    apiKey,
    log,
    maxRetries: 0,
    retryBaseMs: 1,
    timeoutMs: 5_000,
  });
  const factory = createServerFactory({
    api,
    log,
    hub: { longPollMs: 60_000, pollMinMs: 60_000, pollMaxMs: 60_000 },
  });
  const server = factory.newServer();
  const client = new Client({ name: "masking-test", version: "1.0.0" });
  const [ct, st] = InMemoryTransport.createLinkedPair();
  await Promise.all([server.connect(st), client.connect(ct)]);
  const outputs: string[] = [];
  const record = async (what: string, fn: () => Promise<unknown>) => {
    try {
      outputs.push(`${what} → ${JSON.stringify(await fn())}`);
    } catch (err) {
      outputs.push(`${what} threw ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  try {
    const { tools } = await client.listTools();
    for (const mode of MODES) {
      upstream.handle((req) =>
        hostile(mode, req.method, req.url, String(req.headers.authorization), leak),
      );
      for (const tool of tools) {
        const argSets = ARGS[tool.name]
          ? [ARGS[tool.name] as Record<string, unknown>]
          : sampleValidArgs(tool.inputSchema as never, 3, 8);
        for (const args of argSets) {
          await record(`${mode} ${tool.name}`, () =>
            client.callTool({ name: tool.name, arguments: { workspaceId: WS, ...args } }),
          );
        }
      }
      await record(`${mode} resources/list`, () => client.listResources());
      await record(`${mode} resources/templates/list`, () => client.listResourceTemplates());
      for (const uri of [
        "weavz://workspaces",
        `weavz://workspaces/${WS}/integrations`,
        `weavz://workspaces/${WS}/mcp-tools`,
      ]) {
        await record(`${mode} resources/read ${uri}`, () => client.readResource({ uri }));
        await record(`${mode} resources/subscribe ${uri}`, () => client.subscribeResource({ uri }));
      }
      await record(`${mode} completion`, () =>
        client.complete({
          ref: { type: "ref/resource", uri: "weavz://workspaces/{workspaceId}/integrations" },
          argument: { name: "workspaceId", value: "a" },
        }),
      );
    }
  } finally {
    await client.close();
    await server.close();
    factory.hub.close();
    await api.close();
    await upstream.close();
  }
  return { outputs, logLines, upstreamRequests: upstream.requests.length };
}

describe("issue 8 #2: the API key never leaves the process", () => {
  const cases = [
    {
      name: "a wvz_ key",
      apiKey: "wvz_live_Kq7RtS3cr3tValue0123456789",
      core: "Kq7RtS3cr3tValue0123456789",
    },
    {
      name: "a key without the wvz_ prefix",
      apiKey: "Zp4Lm9Qx2Vb7Nc1Hj8Kd3Ws6",
      core: "Zp4Lm9Qx2Vb7Nc1Hj8Kd3Ws6",
    },
  ];
  for (const c of cases) {
    describe(c.name, () => {
      let run: Awaited<ReturnType<typeof driveEverything>>;
      beforeAll(async () => {
        run = await driveEverything(c.apiKey, c.apiKey);
      }, 60_000);

      it("reaches the upstream and gets its data back (masked, not dropped)", () => {
        expect(run.upstreamRequests).toBeGreaterThan(50);
        const all = run.outputs.join("\n");
        expect(all).toMatch(/Leaky \*\*\*/);
        expect(all).toMatch(/Invalid request for key \*\*\*/);
        expect(all).toMatch(/Leaky \*\*\* \(again: \*\*\*\)/);
      });

      it("no tool result, structuredContent, resource content or JSON-RPC error holds the key", () => {
        const leaks = run.outputs.filter((o) => o.includes(c.core));
        expect(leaks).toEqual([]);
      });

      it("no log line holds the key", () => {
        expect(run.logLines.length).toBeGreaterThan(0);
        expect(run.logLines.filter((l) => l.includes(c.core))).toEqual([]);
      });
    });
  }

  it("token-shaped strings (another wvz_/mcp_ key) are masked too", async () => {
    const other = "mcp_Q8w7E6r5T4y3U2i1O0pAsDf";
    const run = await driveEverything("wvz_live_Kq7RtS3cr3tValue0123456789", other);
    expect(run.outputs.join("\n")).toMatch(/mcp_\*\*\*/);
    expect(run.outputs.filter((o) => o.includes(other))).toEqual([]);
  }, 60_000);
});
