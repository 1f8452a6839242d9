import { describe, expect, it } from "vitest";
import { DEMO } from "../../src/local/demo.js";
import { issue, useLocalApi } from "../helpers/local-api.js";

let n = 0;

const env = useLocalApi({ demo: true });
const { call } = env;

/** A fresh workspace per test keeps aliases independent. */
async function newWs(): Promise<string> {
  n++;
  const r = await call("POST", "/api/v1/workspaces", { name: `WS ${n}`, slug: `ws-${n}` });
  expect(r.status).toBe(201);
  return r.body.workspace.id;
}
const base = (ws: string) => `/api/v1/workspaces/${ws}/integrations`;
const SLACK = DEMO.slackBotConnectionId;

describe("create", () => {
  it("creates with defaults: alias = integrationName, strategy fixed, settings {}", async () => {
    const ws = await newWs();
    const r = await call("POST", base(ws), { integrationName: "slack", connectionId: SLACK });
    expect(r.status).toBe(201);
    const i = r.body.integration;
    expect(Object.keys(i)).toEqual([
      "id",
      "workspaceId",
      "orgId",
      "integrationName",
      "alias",
      "displayName",
      "connectionStrategy",
      "connectionId",
      "enabledActions",
      "settings",
      "sortOrder",
      "createdAt",
      "updatedAt",
    ]);
    expect(i).toMatchObject({
      workspaceId: ws,
      orgId: "550e8400-e29b-41d4-a716-446655440000",
      alias: "slack",
      displayName: null,
      connectionStrategy: "fixed",
      connectionId: SLACK,
      enabledActions: null,
      settings: {},
      sortOrder: 0,
    });
    expect(i.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(r.headers["content-type"]).toBe("application/json; charset=utf-8");
  });

  it("lists with connection fields, ordered by sortOrder then createdAt", async () => {
    const ws = await newWs();
    await call("POST", base(ws), { integrationName: "kv-store", sortOrder: 5 });
    await call("POST", base(ws), { integrationName: "slack", connectionId: SLACK, sortOrder: 1 });
    await call("POST", base(ws), { integrationName: "http", sortOrder: 1 });
    const r = await call("GET", base(ws));
    expect(r.status).toBe(200);
    expect(r.body.total).toBe(3);
    expect(r.body.integrations.map((i: { alias: string }) => i.alias)).toEqual([
      "slack",
      "http",
      "kv-store",
    ]);
    expect(r.body.integrations[0]).toMatchObject({
      connectionStatus: "ACTIVE",
      connectionDisplayName: "Slack Bot",
      connectionExternalId: "slack_bot",
    });
    expect(r.body.integrations[1]).toMatchObject({
      connectionStatus: null,
      connectionDisplayName: null,
      connectionExternalId: null,
    });
  });

  it("unknown workspace → 404 naming it", async () => {
    for (const [m, b] of [
      ["GET", undefined],
      ["POST", { integrationName: "http" }],
    ] as const) {
      const r = await call(m, base("nope-ws"), b);
      expect(r.status).toBe(404);
      expect(r.body.code).toBe("NOT_FOUND");
      expect(r.body.error).toContain("nope-ws");
      expect(r.body.error).toMatch(/list workspaces/i);
    }
  });

  it("integrationName must be in the catalog, with suggestions", async () => {
    const ws = await newWs();
    const r = await call("POST", base(ws), { integrationName: "slak", connectionId: SLACK });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe("VALIDATION_ERROR");
    const i = issue(r.body, "integrationName");
    expect(i).toBeDefined();
    expect(r.body.error).toContain("slack");
    const missing = await call("POST", base(ws), {});
    expect(missing.status).toBe(400);
    expect(issue(missing.body, "integrationName")).toBeDefined();
  });

  it("alias pattern; 1password and kv-store are valid defaults", async () => {
    const ws = await newWs();
    for (const alias of ["Bad", "-x", "has space", "a".repeat(65), ""]) {
      const r = await call("POST", base(ws), { integrationName: "http", alias });
      expect(r.status, alias).toBe(400);
      expect(issue(r.body, "alias"), alias).toBeDefined();
    }
    const kv = await call("POST", base(ws), { integrationName: "kv-store" });
    expect(kv.status).toBe(201);
    expect(kv.body.integration.alias).toBe("kv-store");
    const conn = await call("POST", "/api/v1/connections", {
      type: "SECRET_TEXT",
      externalId: "op1",
      displayName: "1Password",
      integrationName: "1password",
      secretText: "s3cret",
    });
    expect(conn.status).toBe(201);
    const op = await call("POST", base(ws), {
      integrationName: "1password",
      connectionId: conn.body.connection.id,
    });
    expect(op.status).toBe(201);
    expect(op.body.integration.alias).toBe("1password");
    const long = await call("POST", base(ws), { integrationName: "http", alias: "a".repeat(64) });
    expect(long.status).toBe(201);
  });

  it("strategy enum and connectionId rules", async () => {
    const ws = await newWs();
    const bad = await call("POST", base(ws), {
      integrationName: "slack",
      connectionStrategy: "sometimes",
    });
    expect(bad.status).toBe(400);
    expect(issue(bad.body, "connectionStrategy")?.allowed).toEqual([
      "fixed",
      "per_user",
      "per_user_with_fallback",
    ]);
    for (const s of ["fixed", "per_user_with_fallback", undefined]) {
      const r = await call("POST", base(ws), {
        integrationName: "slack",
        alias: "needs",
        ...(s ? { connectionStrategy: s } : {}),
      });
      expect(r.status).toBe(400);
      expect(issue(r.body, "connectionId")?.message).toMatch(/required/);
    }
    const missing = await call("POST", base(ws), {
      integrationName: "slack",
      connectionId: "conn_does_not_exist",
    });
    expect(missing.status).toBe(400);
    expect(issue(missing.body, "connectionId")?.message).toMatch(
      /no connection with id "conn_does_not_exist".*list connections/,
    );
    const wrong = await call("POST", base(ws), {
      integrationName: "slack",
      connectionId: DEMO.openaiConnectionId,
    });
    expect(wrong.status).toBe(400);
    const m = issue(wrong.body, "connectionId")?.message ?? "";
    expect(m).toContain("openai");
    expect(m).toContain("slack");
    const perUserWithConn = await call("POST", base(ws), {
      integrationName: "slack",
      connectionStrategy: "per_user",
      connectionId: SLACK,
    });
    expect(perUserWithConn.status).toBe(400);
    expect(issue(perUserWithConn.body, "connectionId")?.message).toMatch(/per_user/);
    const perUser = await call("POST", base(ws), {
      integrationName: "slack",
      connectionStrategy: "per_user",
    });
    expect(perUser.status).toBe(201);
    expect(perUser.body.integration.connectionId).toBeNull();
    const fb = await call("POST", base(ws), {
      integrationName: "slack",
      alias: "fb",
      connectionStrategy: "per_user_with_fallback",
      connectionId: DEMO.slackDefaultConnectionId,
    });
    expect(fb.status).toBe(201);
  });

  it("built-ins need no connection, but ai-toolkit does", async () => {
    const ws = await newWs();
    for (const name of ["http", "code", "storage", "advanced-code", "datetime"]) {
      const r = await call("POST", base(ws), { integrationName: name });
      expect(r.status, name).toBe(201);
    }
    const ai = await call("POST", base(ws), { integrationName: "ai-toolkit" });
    expect(ai.status).toBe(400);
    expect(issue(ai.body, "connectionId")).toBeDefined();
  });

  it("enabledActions: unknown, duplicates, empty, null", async () => {
    const ws = await newWs();
    const unknown = await call("POST", base(ws), {
      integrationName: "slack",
      connectionId: SLACK,
      enabledActions: ["send_channel_message", "sendMessage", "nope"],
    });
    expect(unknown.status).toBe(400);
    const i = issue(unknown.body, "enabledActions");
    expect(i?.message).toContain("sendMessage");
    expect(i?.message).toContain("nope");
    expect(i?.message).not.toContain("send_channel_message,");
    expect((i as { allowed?: string[] }).allowed).toContain("list_channels");
    const empty = await call("POST", base(ws), {
      integrationName: "slack",
      connectionId: SLACK,
      enabledActions: [],
    });
    expect(empty.status).toBe(400);
    expect(issue(empty.body, "enabledActions")?.message).toMatch(/null/);
    const dup = await call("POST", base(ws), {
      integrationName: "slack",
      connectionId: SLACK,
      enabledActions: ["list_channels", "send_channel_message", "list_channels"],
    });
    expect(dup.status).toBe(201);
    expect(dup.body.integration.enabledActions).toEqual(["list_channels", "send_channel_message"]);
    const nul = await call("POST", base(ws), {
      integrationName: "slack",
      alias: "all",
      connectionId: SLACK,
      enabledActions: null,
    });
    expect(nul.status).toBe(201);
    expect(nul.body.integration.enabledActions).toBeNull();
  });

  it("settings: applicability, fields, defaults, unknown keys, external ids", async () => {
    const ws = await newWs();
    const ac = await call("POST", base(ws), {
      integrationName: "advanced-code",
      settings: { advancedCode: {} },
    });
    expect(ac.status).toBe(201);
    expect(ac.body.integration.settings).toEqual({
      advancedCode: {
        timeoutSeconds: 30,
        sandboxPersistence: "ephemeral",
        storageMountScope: "none",
      },
    });
    const kv = await call("POST", base(ws), {
      integrationName: "kv-store",
      settings: { persistence: {} },
    });
    expect(kv.status).toBe(201);
    expect(kv.body.integration.settings).toEqual({ persistence: { scope: "end_user" } });

    const wrongBlock = await call("POST", base(ws), {
      integrationName: "kv-store",
      alias: "kv2",
      settings: { advancedCode: { timeoutSeconds: 10 } },
    });
    expect(wrongBlock.status).toBe(400);
    expect(issue(wrongBlock.body, "settings.advancedCode")?.message).toContain("advanced-code");
    const onSlack = await call("POST", base(ws), {
      integrationName: "slack",
      connectionId: SLACK,
      settings: { persistence: { scope: "workspace" } },
    });
    expect(onSlack.status).toBe(400);
    expect(issue(onSlack.body, "settings.persistence")?.message).toContain("kv-store");

    const cases: Array<[unknown, string]> = [
      [{ advancedCode: { timeoutSeconds: 0 } }, "settings.advancedCode.timeoutSeconds"],
      [{ advancedCode: { timeoutSeconds: 61 } }, "settings.advancedCode.timeoutSeconds"],
      [{ advancedCode: { timeoutSeconds: 1.5 } }, "settings.advancedCode.timeoutSeconds"],
      [
        { advancedCode: { sandboxPersistence: "forever" } },
        "settings.advancedCode.sandboxPersistence",
      ],
      [{ advancedCode: { storageMountScope: "disk" } }, "settings.advancedCode.storageMountScope"],
      [
        { advancedCode: { storageMountScope: "external" } },
        "settings.advancedCode.storageExternalId",
      ],
      [
        { advancedCode: { storageMountScope: "none", storageExternalId: "x" } },
        "settings.advancedCode.storageExternalId",
      ],
      [{ advancedCode: { extra: 1 } }, "settings.advancedCode.extra"],
      [{ bogus: {} }, "settings.bogus"],
    ];
    for (const [settings, field] of cases) {
      const r = await call("POST", base(ws), {
        integrationName: "advanced-code",
        alias: "ac_bad",
        settings,
      });
      expect(r.status, field).toBe(400);
      expect(r.body.code).toBe("VALIDATION_ERROR");
      expect(issue(r.body, field), `${field} in ${JSON.stringify(r.body)}`).toBeDefined();
    }
    const allowedEnum = await call("POST", base(ws), {
      integrationName: "kv-store",
      alias: "kv3",
      settings: { persistence: { scope: "galaxy" } },
    });
    expect(issue(allowedEnum.body, "settings.persistence.scope")).toMatchObject({
      allowed: ["end_user", "workspace", "external"],
    });
    const ext = await call("POST", base(ws), {
      integrationName: "advanced-code",
      alias: "ac_ext",
      settings: {
        advancedCode: {
          timeoutSeconds: 60,
          sandboxPersistence: "persistent",
          storageMountScope: "external",
          storageExternalId: "tenant-42",
        },
      },
    });
    expect(ext.status).toBe(201);
    expect(ext.body.integration.settings.advancedCode.storageExternalId).toBe("tenant-42");
    const pext = await call("POST", base(ws), {
      integrationName: "storage",
      settings: { persistence: { scope: "external" } },
    });
    expect(issue(pext.body, "settings.persistence.externalId")).toBeDefined();
    const pextOk = await call("POST", base(ws), {
      integrationName: "storage",
      settings: { persistence: { scope: "external", externalId: "ns1" } },
    });
    expect(pextOk.status).toBe(201);
  });

  it("alias taken → 409 DUPLICATE with the existing integration", async () => {
    const ws = await newWs();
    const first = await call("POST", base(ws), { integrationName: "http" });
    const again = await call("POST", base(ws), { integrationName: "http" });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe("DUPLICATE");
    expect(again.body.details.existing).toEqual(first.body.integration);
    expect(again.body.error).toMatch(/choose another alias/);
    // Another workspace may reuse the alias.
    const other = await newWs();
    expect((await call("POST", base(other), { integrationName: "http" })).status).toBe(201);
  });

  it("50 concurrent creates of one alias → one 201, 49 × 409", async () => {
    const ws = await newWs();
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        call("POST", base(ws), { integrationName: "http", alias: "race" }),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(49);
    expect(results.filter((r) => r.status === 409).every((r) => r.body.code === "DUPLICATE")).toBe(
      true,
    );
    expect((await call("GET", base(ws))).body.total).toBe(1);
  });
});

describe("update", () => {
  it("patches fields, null resets, updatedAt changes", async () => {
    const ws = await newWs();
    const created = (
      await call("POST", base(ws), {
        integrationName: "slack",
        alias: "team_slack",
        displayName: "Team Slack",
        connectionId: SLACK,
      })
    ).body.integration;
    const url = `${base(ws)}/${created.id}`;
    const r = await call("PATCH", url, {
      connectionStrategy: "per_user_with_fallback",
      enabledActions: ["send_channel_message", "list_channels"],
    });
    expect(r.status).toBe(200);
    expect(r.body.integration).toMatchObject({
      id: created.id,
      alias: "team_slack",
      connectionStrategy: "per_user_with_fallback",
      connectionId: SLACK,
      enabledActions: ["send_channel_message", "list_channels"],
      createdAt: created.createdAt,
    });
    expect(r.body.integration.updatedAt > created.updatedAt).toBe(true);
    expect(r.body.integration).not.toHaveProperty("connectionStatus");

    const cleared = await call("PATCH", url, { displayName: null, enabledActions: null });
    expect(cleared.body.integration.displayName).toBeNull();
    expect(cleared.body.integration.enabledActions).toBeNull();

    const renamed = await call("PATCH", url, { alias: "renamed", sortOrder: 7 });
    expect(renamed.body.integration).toMatchObject({ alias: "renamed", sortOrder: 7 });

    const perUser = await call("PATCH", url, { connectionStrategy: "per_user" });
    expect(perUser.status).toBe(200);
    expect(perUser.body.integration.connectionId).toBeNull();
    const backToFixed = await call("PATCH", url, { connectionStrategy: "fixed" });
    expect(backToFixed.status).toBe(400);
    expect(issue(backToFixed.body, "connectionId")).toBeDefined();
    const fixedWithConn = await call("PATCH", url, {
      connectionStrategy: "fixed",
      connectionId: DEMO.slackBotPinnedConnectionId,
    });
    expect(fixedWithConn.status).toBe(200);
    const list = await call("GET", base(ws));
    expect(list.body.integrations[0].connectionExternalId).toBe("slack_bot_workspace");
  });

  it("settings replace and null resets", async () => {
    const ws = await newWs();
    const c = await call("POST", base(ws), {
      integrationName: "advanced-code",
      settings: { advancedCode: { timeoutSeconds: 45, sandboxPersistence: "persistent" } },
    });
    const url = `${base(ws)}/${c.body.integration.id}`;
    const rep = await call("PATCH", url, { settings: { advancedCode: { timeoutSeconds: 10 } } });
    expect(rep.body.integration.settings.advancedCode).toEqual({
      timeoutSeconds: 10,
      sandboxPersistence: "ephemeral",
      storageMountScope: "none",
    });
    const reset = await call("PATCH", url, { settings: null });
    expect(reset.status).toBe(200);
    expect(reset.body.integration.settings).toEqual({});
    const bad = await call("PATCH", url, { settings: { persistence: {} } });
    expect(bad.status).toBe(400);
    expect(issue(bad.body, "settings.persistence")).toBeDefined();
  });

  it("NO_UPDATES, 404s, integrationName cannot be changed, rename conflicts", async () => {
    const ws = await newWs();
    const a = (await call("POST", base(ws), { integrationName: "http" })).body.integration;
    await call("POST", base(ws), { integrationName: "code" });
    const url = `${base(ws)}/${a.id}`;
    const empty = await call("PATCH", url, {});
    expect(empty.status).toBe(400);
    expect(empty.body.code).toBe("NO_UPDATES");
    const name = await call("PATCH", url, { integrationName: "slack" });
    expect(name.status).toBe(400);
    expect(name.body.code).toBe("VALIDATION_ERROR");
    expect(issue(name.body, "integrationName")?.message).toMatch(/cannot be changed.*delete/);
    const unknown = await call("PATCH", `${base(ws)}/no-such-id`, { alias: "x" });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe("NOT_FOUND");
    const other = await newWs();
    const cross = await call("PATCH", `${base(other)}/${a.id}`, { alias: "x" });
    expect(cross.status).toBe(404);
    const taken = await call("PATCH", url, { alias: "code" });
    expect(taken.status).toBe(409);
    expect(taken.body.code).toBe("DUPLICATE");
    expect(taken.body.details.existing.alias).toBe("code");
    const badActions = await call("PATCH", url, { enabledActions: ["nope"] });
    expect(badActions.status).toBe(400);
    expect(issue(badActions.body, "enabledActions")).toBeDefined();
    const same = await call("PATCH", url, { alias: "http" });
    expect(same.status).toBe(200);
  });
});

describe("delete", () => {
  it("deletes, then 404", async () => {
    const ws = await newWs();
    const a = (await call("POST", base(ws), { integrationName: "http" })).body.integration;
    const d = await call("DELETE", `${base(ws)}/${a.id}`);
    expect(d.status).toBe(200);
    expect(d.body).toEqual({ deleted: true, id: a.id });
    const again = await call("DELETE", `${base(ws)}/${a.id}`);
    expect(again.status).toBe(404);
    expect(again.body.code).toBe("NOT_FOUND");
    expect((await call("GET", base(ws))).body).toEqual({ integrations: [], total: 0 });
    // The alias is free again.
    expect((await call("POST", base(ws), { integrationName: "http" })).status).toBe(201);
  });
});
