/**
 * Issue 23.9: the workspace limit of a caller's token holds on every tool, for a token that
 * allows two workspaces (a limit of one workspace must not be the only one tested). Our real
 * HTTP transport with the real bearer-token gate (tokens-file verifier), the SDK client, and
 * the real local API; workspace B is outside the token's limit, A and C are inside it.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWeavzClient } from "../../src/api/client.js";
import { silentLogger } from "../../src/log.js";
import { createServerFactory } from "../../src/mcp/server.js";
import { TOOLSET_NAMES } from "../../src/toolsets.js";
import { createAuthGate } from "../../src/transports/auth/gate.js";
import { nodeAuthenticate } from "../../src/transports/auth/index.js";
import { parseTokensFile, tokenFileVerifier } from "../../src/transports/auth/tokens-file.js";
import type { HttpHandle } from "../../src/transports/http.js";
import { fingerprint } from "../fuzz/harness.js";
import { startTestLocalApi, type TestLocalApi } from "../helpers/local-api.js";
import { DEMO_WS, serveOverHttp, textOf } from "../helpers/mcp.js";

const A = DEMO_WS;
const B = "b0000000-0000-4000-8000-00000000000b";
const C = "c0000000-0000-4000-8000-00000000000c";
const TWO = "two-workspaces-token-5b1e0c7d9a3f";

describe("a token limited to two workspaces is refused outside them, on every tool", () => {
  let local: TestLocalApi;
  let http: HttpHandle;
  let api: ReturnType<typeof createWeavzClient>;
  let client: Client;
  let bServer: string;
  let bPlan: Record<string, unknown>;
  const call = async (name: string, args: Record<string, unknown>) =>
    (await client.callTool({ name, arguments: args })) as CallToolResult;

  beforeAll(async () => {
    local = await startTestLocalApi({ demo: true });
    local.store.workspaces.insert("B", "b", B);
    local.store.workspaces.insert("C", "c", C);
    api = createWeavzClient({ baseUrl: local.url, apiKey: local.apiKey, log: silentLogger });
    await api.createWorkspaceIntegration(B, { integrationName: "kv-store", alias: "b_kv" });
    const made = await request(`${local.url}/api/v1/mcp/servers`, {
      method: "POST",
      headers: { authorization: `Bearer ${local.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "B server", workspaceId: B }),
    });
    bServer = ((await made.body.json()) as any).server.id;
    // A plan for B made by the owner, which the limited caller then sends whole.
    const ownerFactory = createServerFactory({ api, log: silentLogger });
    const { Client: C1 } = await import("@modelcontextprotocol/sdk/client/index.js");
    const { InMemoryTransport } = await import("@modelcontextprotocol/sdk/inMemory.js");
    const owner = new C1({ name: "owner", version: "1" });
    const [ct, st] = InMemoryTransport.createLinkedPair();
    const ownerServer = ownerFactory.newServer();
    await Promise.all([ownerServer.connect(st), owner.connect(ct)]);
    const planned = (await owner.callTool({
      name: "plan_workspace",
      arguments: { workspaceId: B, prune: true, integrations: {} },
    })) as any;
    bPlan = planned.structuredContent;
    expect(bPlan.steps).toHaveLength(1);
    await owner.close();

    const gate = createAuthGate({
      verifier: tokenFileVerifier(parseTokensFile(`${TWO} name=two workspaces=${A},${C}\n`)),
      log: silentLogger,
    });
    const factory = createServerFactory({ api, log: silentLogger, toolsets: TOOLSET_NAMES });
    http = await serveOverHttp(factory, { authenticate: nodeAuthenticate(gate) });
    gate.listening(http.url);
    client = new Client({ name: "two-ws", version: "1" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(http.url), {
        requestInit: { headers: { authorization: `Bearer ${TWO}` } },
      }),
    );
  });
  afterAll(async () => {
    await client?.close();
    await http?.close();
    await api?.close();
    await local?.close();
  });

  /** A call per tool that names workspace B (or something of B). */
  const intoB = (): Record<string, Record<string, unknown>> => ({
    list_workspace_integrations: { workspaceId: B },
    create_workspace_integration: { workspaceId: B, integrationName: "kv-store", alias: "x" },
    update_workspace_integration: { workspaceId: B, alias: "b_kv", displayName: "mine now" },
    delete_workspace_integration: { workspaceId: B, alias: "b_kv" },
    list_connections: { workspaceId: B },
    list_mcp_servers: { workspaceId: B },
    get_mcp_server: { id: bServer },
    plan_workspace: { workspaceId: B, prune: true, integrations: {} },
    apply_workspace_plan: { plan: bPlan },
    list_changes: { workspaceId: B },
    undo_change: { workspaceId: B, changeId: "00000000-0000-4000-8000-000000000001" },
    execute_action: {
      workspaceId: B,
      integrationName: "kv-store",
      actionName: "put",
      input: JSON.stringify({ key: "k", value: "v" }),
    },
  });
  /** Tools that name no workspace (the catalog), and list_workspaces (checked below). */
  const WORKSPACE_FREE = ["search_catalog", "get_catalog_integration", "list_workspaces"];

  it("covers every tool the server lists", async () => {
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name).sort();
    expect(names).toEqual([...Object.keys(intoB()), ...WORKSPACE_FREE].sort());
  });

  for (const name of Object.keys(intoB())) {
    it(`${name}: SCOPE_DENIED for workspace B, nothing read or changed`, async () => {
      const before = fingerprint(local.store);
      const r = await call(name, intoB()[name] as Record<string, unknown>);
      expect(r.isError, textOf(r)).toBe(true);
      expect(textOf(r)).toMatch(/SCOPE_DENIED/);
      expect(textOf(r)).not.toContain("b_kv");
      expect(fingerprint(local.store)).toBe(before);
    });
  }

  it("both allowed workspaces stay usable, and list_workspaces shows exactly them", async () => {
    const ws = (await call("list_workspaces", {})) as any;
    expect(ws.structuredContent.workspaces.map((w: any) => w.id).sort()).toEqual([A, C].sort());
    for (const id of [A, C]) {
      const r = await call("list_workspace_integrations", { workspaceId: id });
      expect(r.isError, textOf(r)).toBeFalsy();
    }
    const ran = await call("execute_action", {
      workspaceId: C,
      integrationName: "kv-store",
      actionName: "put",
      input: JSON.stringify({ key: "k", value: "v" }),
    });
    // C has no kv-store integration: the API answers, which the scope check let through.
    expect(textOf(ran)).not.toMatch(/SCOPE_DENIED/);
  });
});
