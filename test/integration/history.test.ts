import { StreamableHTTPClientTransport as ModernHttp } from "@modelcontextprotocol/client";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWeavzClient } from "../../src/api/client.js";
import { integrationConfigOf } from "../../src/domain/index.js";
import type { NewChange } from "../../src/domain/journal.js";
import { insertChanges } from "../../src/local/journal-store.js";
import { silentLogger } from "../../src/log.js";
import { buildToolSet } from "../../src/mcp/inventory.js";
import { createServerFactory } from "../../src/mcp/server.js";
import { client as httpClient, startTestLocalApi } from "../helpers/local-api.js";
import {
  confirming,
  DEMO_WS,
  modernClient,
  SLACK_BOT_CONN,
  serveOverHttp,
  setup,
  textOf,
} from "../helpers/mcp.js";
import { resourceUpdates } from "../helpers/updates.js";

type Result = CallToolResult & { structuredContent?: Record<string, any> };
interface Session {
  call(name: string, args?: Record<string, unknown>): Promise<Result>;
  /** As a model without elicitation does it: preview, then the same call with the token. */
  callConfirmed(name: string, args?: Record<string, unknown>): Promise<Result>;
  /** The workspace's integrations as configured (id → config), read from the local API. */
  configs(): Promise<Map<string, ReturnType<typeof integrationConfigOf>>>;
  /** An outside change: straight to the local API, not through MCP. */
  rest: ReturnType<typeof httpClient>;
  clientName: string;
  close(): Promise<void>;
}

async function configsOf(rest: ReturnType<typeof httpClient>) {
  const r = await rest("GET", `/api/v1/workspaces/${DEMO_WS}/integrations`);
  return new Map<string, ReturnType<typeof integrationConfigOf>>(
    r.body.integrations.map((i: any) => [i.id, integrationConfigOf(i)]),
  );
}

/** SDK v1 client, 2025-11-25 era, in memory. */
async function legacySession(): Promise<Session> {
  const env = await setup();
  const rest = httpClient(env.local.url, env.local.apiKey);
  return {
    call: env.call,
    callConfirmed: env.callConfirmed,
    configs: () => configsOf(rest),
    rest,
    clientName: "weavz-mcp-tests",
    close: env.close,
  };
}

/**
 * The local API, our server over our real HTTP transport, and an SDK v2 client pinned to
 * 2026-07-28 (stateless) connected to it; `close` closes them all.
 */
async function modernStack(name: string, version: string) {
  const local = await startTestLocalApi({ demo: true });
  const api = createWeavzClient({ baseUrl: local.url, apiKey: local.apiKey, log: silentLogger });
  const factory = createServerFactory({ api, log: silentLogger });
  const http = await serveOverHttp(factory);
  const client = modernClient(name, version);
  const close = async () => {
    await client.close();
    await http.close();
    factory.hub.close();
    await api.close();
    await local.close();
  };
  try {
    await client.connect(new ModernHttp(new URL(http.url)));
  } catch (err) {
    await close();
    throw err;
  }
  return { local, factory, client, close };
}

/** SDK v2 client pinned to 2026-07-28 (stateless), over our real HTTP transport. */
async function modernSession(): Promise<Session> {
  const { local, client, close } = await modernStack("history-modern", "2.0.0");
  const call = async (name: string, args: Record<string, unknown> = {}) =>
    (await client.callTool({ name, arguments: args })) as Result;
  const rest = httpClient(local.url, local.apiKey);
  return {
    call,
    callConfirmed: confirming(call),
    configs: () => configsOf(rest),
    rest,
    clientName: "history-modern",
    close,
  };
}

const ok = (r: Result) => {
  expect(r.isError, textOf(r)).toBeFalsy();
  return r.structuredContent as Record<string, any>;
};

/** The newest journal entry through list_changes. */
async function newest(s: Session, integration?: string) {
  const r = ok(
    await s.call(
      "list_changes",
      integration ? { workspaceId: DEMO_WS, integration } : { workspaceId: DEMO_WS },
    ),
  );
  return r.changes[0];
}

describe.each([
  ["SDK v1 (2025-11-25)", legacySession],
  ["SDK v2 (2026-07-28)", modernSession],
])("history and undo through %s", (_era, open) => {
  let s: Session;
  beforeAll(async () => {
    s = await open();
  }, 30_000);
  afterAll(async () => {
    await s?.close();
  });

  it("records a create with the client's name and undoes it (a delete)", async () => {
    const created = ok(
      await s.call("create_workspace_integration", {
        workspaceId: DEMO_WS,
        integrationName: "kv-store",
        alias: "cache",
        connectionStrategy: "per_user",
      }),
    );
    const e = await newest(s);
    expect(e).toMatchObject({
      operation: "create",
      source: "direct",
      target: { integrationId: created.integration.id, alias: "cache" },
      actor: { client: { name: s.clientName } },
    });
    expect(e.line).toContain('create "cache"');
    // Without confirm: a preview, nothing done.
    const preview = await s.call("undo_change", { changeId: e.id });
    expect(preview.structuredContent?.status).toBe("not_confirmed");
    expect(preview.structuredContent?.preview.steps).toMatchObject([
      { action: "delete", alias: "cache" },
    ]);
    expect((await s.configs()).has(created.integration.id)).toBe(true);
    const done = ok(await s.callConfirmed("undo_change", { changeId: e.id }));
    expect(done.status).toBe("applied");
    expect((await s.configs()).has(created.integration.id)).toBe(false);
    const undoEntry = await newest(s);
    expect(undoEntry).toMatchObject({ operation: "delete", source: "undo", undoes: e.id });
  });

  it("undoes an update (the earlier fields) and a rename (same id, old alias)", async () => {
    const created = ok(
      await s.call("create_workspace_integration", {
        workspaceId: DEMO_WS,
        integrationName: "kv-store",
        alias: "store",
        connectionStrategy: "per_user",
        enabledActions: ["put", "get"],
        settings: { persistence: { scope: "workspace" } },
      }),
    ).integration;
    const before = (await s.configs()).get(created.id);
    ok(
      await s.call("update_workspace_integration", {
        workspaceId: DEMO_WS,
        id: created.id,
        enabledActions: ["get"],
        settings: { persistence: { scope: "end_user" } },
        displayName: "Store",
      }),
    );
    const upd = await newest(s, created.id);
    expect(upd.operation).toBe("update");
    expect(upd.changes.map((c: any) => c.field).sort()).toEqual([
      "displayName",
      "enabledActions",
      "settings",
    ]);
    ok(await s.callConfirmed("undo_change", { changeId: upd.id }));
    expect((await s.configs()).get(created.id)).toEqual(before);

    ok(
      await s.call("update_workspace_integration", {
        workspaceId: DEMO_WS,
        id: created.id,
        newAlias: "store2",
      }),
    );
    const ren = await newest(s, created.id);
    expect(ren).toMatchObject({ operation: "rename", target: { alias: "store2" } });
    ok(await s.callConfirmed("undo_change", { changeId: ren.id }));
    expect((await s.configs()).get(created.id)).toEqual(before);
  });

  it("undoes a delete: re-created with the same alias, strategy, connection, actions and settings", async () => {
    const created = ok(
      await s.call("create_workspace_integration", {
        workspaceId: DEMO_WS,
        integrationName: "slack",
        alias: "alerts",
        connectionStrategy: "per_user_with_fallback",
        connectionId: SLACK_BOT_CONN,
        enabledActions: ["send_channel_message"],
        displayName: "Alerts bot",
        sortOrder: 7,
      }),
    ).integration;
    const before = (await s.configs()).get(created.id);
    const deleted = ok(
      await s.callConfirmed("delete_workspace_integration", {
        workspaceId: DEMO_WS,
        alias: "alerts",
      }),
    );
    expect(deleted.deleted).toBe(true);
    const del = await newest(s, "alerts");
    expect(del).toMatchObject({ operation: "delete", config: { connectionId: SLACK_BOT_CONN } });
    ok(await s.callConfirmed("undo_change", { changeId: del.id }));
    const now = [...(await s.configs()).entries()].find(([, c]) => c.alias === "alerts");
    expect(now?.[1]).toEqual(before);
    expect(now?.[0]).not.toBe(created.id);
  });

  it("undoes a six-step apply as one inverse plan, and undoes that undo", async () => {
    const start = await s.configs();
    const desired = {
      workspaceId: DEMO_WS,
      integrations: {
        a1: { integrationName: "kv-store", connectionStrategy: "per_user" },
        a2: { integrationName: "storage", connectionStrategy: "per_user" },
        a3: { integrationName: "http", connectionStrategy: "per_user" },
        a4: {
          integrationName: "kv-store",
          connectionStrategy: "per_user",
          enabledActions: ["get"],
        },
        a5: { integrationName: "storage", connectionStrategy: "per_user", displayName: "Files" },
        a6: { integrationName: "slack", connectionStrategy: "fixed", connectionId: SLACK_BOT_CONN },
      },
    };
    const plan = ok(await s.call("plan_workspace", desired));
    expect(plan.steps).toHaveLength(6);
    const applied = ok(await s.callConfirmed("apply_workspace_plan", { planId: plan.planId }));
    expect(applied.applied).toHaveLength(6);
    const after = await s.configs();
    const undo = ok(
      await s.callConfirmed("undo_change", { planId: plan.planId, workspaceId: DEMO_WS }),
    );
    expect(undo.status).toBe("applied");
    expect(undo.applied).toHaveLength(6);
    expect([...(await s.configs()).values()]).toEqual([...start.values()]);
    // Undo of the undo: the six are back (new ids, same configuration).
    ok(await s.callConfirmed("undo_change", { planId: undo.undoPlanId, workspaceId: DEMO_WS }));
    const again = [...(await s.configs()).values()].sort((a, b) => a.alias.localeCompare(b.alias));
    expect(again).toEqual([...after.values()].sort((a, b) => a.alias.localeCompare(b.alias)));
  });

  it("refuses after a later outside change, naming it; allowed once that one is undone", async () => {
    const created = ok(
      await s.call("create_workspace_integration", {
        workspaceId: DEMO_WS,
        integrationName: "kv-store",
        alias: "later",
        connectionStrategy: "per_user",
      }),
    ).integration;
    const first = await newest(s, created.id);
    // Someone else changes it, straight through the API.
    const outside = await s.rest(
      "PATCH",
      `/api/v1/workspaces/${DEMO_WS}/integrations/${created.id}`,
      {
        displayName: "Changed elsewhere",
      },
    );
    expect(outside.status).toBe(200);
    const later = await newest(s, created.id);
    expect(later.id).not.toBe(first.id);
    expect(later.actor.principal.kind).toBe("api_key");
    const refused = await s.call("undo_change", { changeId: first.id });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toContain("CHANGED_SINCE");
    expect(textOf(refused)).toContain(later.id);
    expect((await s.configs()).has(created.id)).toBe(true);
    ok(await s.callConfirmed("undo_change", { changeId: later.id }));
    ok(await s.callConfirmed("undo_change", { changeId: first.id }));
    expect((await s.configs()).has(created.id)).toBe(false);
  });

  it("marks a step it cannot reverse (the pinned connection is gone) with what to do instead", async () => {
    const conn = await s.rest("POST", "/api/v1/connections", {
      externalId: `gone_${Date.now()}`,
      displayName: "Soon gone",
      integrationName: "slack",
      type: "SECRET_TEXT",
      workspaceId: DEMO_WS,
      secretText: "xoxb-not-a-real-token-0000",
    });
    expect(conn.status, conn.text).toBe(201);
    const connectionId = conn.body.connection.id;
    ok(
      await s.call("create_workspace_integration", {
        workspaceId: DEMO_WS,
        integrationName: "slack",
        alias: "pinned",
        connectionStrategy: "fixed",
        connectionId,
      }),
    );
    ok(
      await s.callConfirmed("delete_workspace_integration", {
        workspaceId: DEMO_WS,
        alias: "pinned",
      }),
    );
    const del = await newest(s, "pinned");
    expect((await s.rest("DELETE", `/api/v1/connections/${connectionId}`)).status).toBe(200);
    const r = await s.call("undo_change", { changeId: del.id });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(
      /NOTHING_TO_UNDO[\s\S]*"pinned" cannot be put back[\s\S]*Instead: the connection it pinned is gone: create a new connection/,
    );
    expect([...(await s.configs()).values()].some((c) => c.alias === "pinned")).toBe(false);
  });

  it("answers an unknown change id clearly", async () => {
    const r = await s.call("undo_change", { changeId: "chg_nope" });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/NOT_FOUND[\s\S]*list_changes/);
  });
});

describe("list_changes at 10,000 entries", () => {
  let env: Awaited<ReturnType<typeof setup>>;
  beforeAll(async () => {
    env = await setup();
    // 10,000 realistic entries (full before/after snapshots), written as the store writes them.
    const snap = (n: number, alias: string) => ({
      id: `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`,
      integrationName: "slack",
      alias,
      displayName: `Slack for team ${n}`,
      connectionStrategy: "per_user_with_fallback" as const,
      connectionId: SLACK_BOT_CONN,
      enabledActions: ["send_channel_message", "send_direct_message", "update_message"],
      settings: {},
      sortOrder: n,
    });
    const batch: NewChange[] = [];
    for (let n = 0; n < 10_000; n++) {
      batch.push({
        workspaceId: DEMO_WS,
        actor: {
          client: { name: "claude-desktop", version: "1.2.3" },
          principal: { kind: "bearer" as const, label: "alice@example.com" },
        },
        operation: "update" as const,
        source: "direct" as const,
        target: {
          integrationId: snap(n, "x").id,
          alias: `team_${n}_slack`,
          integrationName: "slack",
        },
        before: { ...snap(n, `team_${n}_slack`), connectionStrategy: "fixed" as const },
        after: snap(n, `team_${n}_slack`),
        planId: null,
        step: null,
        undoes: null,
        outcome: "applied" as const,
      });
    }
    env.local.store.write(() => insertChanges(env.local.store, batch));
  }, 60_000);
  afterAll(async () => {
    await env?.close();
  });

  it("stays within 8 KB at defaults, newest first, with nextOffset", async () => {
    const r = await env.call("list_changes", { workspaceId: DEMO_WS });
    const text = textOf(r);
    const bytes = Buffer.byteLength(JSON.stringify(r));
    console.log(
      `list_changes at 10,000 entries: text ${Buffer.byteLength(text)} B, whole result ${bytes} B`,
    );
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(8 * 1024);
    const data = r.structuredContent as Record<string, any>;
    expect(data.total).toBe(10_000);
    expect(data.changes[0].target.alias).toBe("team_9999_slack");
    expect(data.changes[0].changes).toEqual([
      { field: "connectionStrategy", before: "fixed", after: "per_user_with_fallback" },
    ]);
    expect(data.nextOffset).toBe(data.changes.length);
  });

  it("keeps the newest entries per workspace within the history limit", async () => {
    const local = await startTestLocalApi({ demo: true, historyLimit: 100 });
    try {
      const rest = httpClient(local.url, local.apiKey);
      for (let i = 0; i < 105; i++) {
        const r = await rest("POST", `/api/v1/workspaces/${DEMO_WS}/integrations`, {
          integrationName: "kv-store",
          alias: `kv${i}`,
          connectionStrategy: "per_user",
        });
        expect(r.status).toBe(201);
      }
      const h = await rest("GET", `/api/v1/workspaces/${DEMO_WS}/history?limit=100`);
      expect(h.body.total).toBe(100);
      expect(h.body.entries[0].target.alias).toBe("kv104");
      expect(h.body.entries[99].target.alias).toBe("kv5");
      // Never a secret: the entry holds the connection by id only.
      expect(JSON.stringify(h.body)).not.toMatch(/secret|password|token/i);
    } finally {
      await local.close();
    }
  });
});

describe("the history resource and read-only mode", () => {
  it("notifies a 2026 listen stream naming weavz://workspaces/{id}/history when a change is made", async () => {
    const { local, factory, client, close } = await modernStack("listener", "1");
    try {
      const uri = `weavz://workspaces/${DEMO_WS}/history`;
      const u = resourceUpdates({ timeoutMs: 10_000 });
      client.setNotificationHandler("notifications/resources/updated", (n) => u.push(n.params.uri));
      const sub = await client.listen({ resourceSubscriptions: [uri] });
      // The change must come after the feed has its baseline (the counter value it took).
      await expect.poll(() => factory.hub.stats.caughtUp, { timeout: 15_000 }).toBeDefined();
      const next = u.next(uri);
      // A change by another client of the same local API (not through this MCP server).
      const r = await httpClient(local.url, local.apiKey)(
        "POST",
        `/api/v1/workspaces/${DEMO_WS}/integrations`,
        {
          integrationName: "kv-store",
          alias: "listened",
          connectionStrategy: "per_user",
        },
      );
      expect(r.status).toBe(201);
      await next;
      const read = await client.readResource({ uri });
      const body = JSON.parse((read.contents[0] as { text: string }).text);
      expect(body.changes[0]).toMatchObject({ operation: "create", target: { alias: "listened" } });
      await sub.close();
    } finally {
      await close();
    }
  }, 30_000);

  it("keeps list_changes and drops undo_change in read-only mode", () => {
    const names = buildToolSet({ readOnly: true }).map((t) => t.def.name);
    expect(names).toContain("list_changes");
    expect(names).not.toContain("undo_change");
  });
});
