import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEMO } from "../../src/local/demo.js";
import { KDF_COST, legacyHash, verifySecret } from "../../src/local/key-hash.js";
import { client, issue, useLocalApi } from "../helpers/local-api.js";

const SCOPED_KEY = "wvz_scoped_mcp_key_for_tests_01";

let n = 0;

// This file checks the stored form of tokens: it runs at production cost.
const env = useLocalApi({
  demo: true,
  extraKeys: [{ key: SCOPED_KEY, workspaceIds: [DEMO.workspaceId] }],
  kdfCost: KDF_COST,
});
const { call } = env;

const SLACK = DEMO.slackBotConnectionId;
const SERVERS = "/api/v1/mcp/servers";
const wiBase = (ws: string) => `/api/v1/workspaces/${ws}/integrations`;

async function newWs(): Promise<string> {
  n++;
  const r = await call("POST", "/api/v1/workspaces", { name: `MCP WS ${n}`, slug: `mcp-ws-${n}` });
  expect(r.status).toBe(201);
  return r.body.workspace.id;
}

async function addWi(ws: string, body: Record<string, unknown>): Promise<any> {
  const r = await call("POST", wiBase(ws), body);
  expect(r.status, r.text).toBe(201);
  return r.body.integration;
}

async function newServer(body: Record<string, unknown>): Promise<any> {
  const r = await call("POST", SERVERS, body);
  expect(r.status, r.text).toBe(201);
  return r.body;
}

async function tools(id: string): Promise<any[]> {
  const r = await call("GET", `${SERVERS}/${id}`);
  expect(r.status, r.text).toBe(200);
  return r.body.tools;
}
const names = (ts: any[]) => ts.map((t) => t.name);

describe("MCP servers: CRUD", () => {
  it("creates with defaults (TOOLS, oauth, no token) and returns the endpoint", async () => {
    const ws = await newWs();
    const r = await call("POST", SERVERS, { name: "Agent", workspaceId: ws });
    expect(r.status).toBe(201);
    expect(Object.keys(r.body)).toEqual(["server", "mcpEndpoint"]);
    const s = r.body.server;
    expect(Object.keys(s)).toEqual([
      "id",
      "orgId",
      "workspaceId",
      "name",
      "description",
      "mode",
      "authMode",
      "hasBearerToken",
      "createdAt",
      "updatedAt",
      "mcpEndpoint",
    ]);
    // Every response names the endpoint with the server (list and get too, below).
    expect(s.mcpEndpoint).toBe(r.body.mcpEndpoint);
    expect(s).toMatchObject({
      orgId: "550e8400-e29b-41d4-a716-446655440000",
      workspaceId: ws,
      name: "Agent",
      description: null,
      mode: "TOOLS",
      authMode: "oauth",
      hasBearerToken: false,
    });
    expect(r.body.mcpEndpoint).toBe(`${env.local.url}/api/v1/mcp/servers/${s.id}/mcp`);

    const got = await call("GET", `${SERVERS}/${s.id}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual({ server: s, tools: [] });
  });

  it("lists with workspaceId filter and paging", async () => {
    const ws = await newWs();
    const other = await newWs();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await newServer({ name: `S${i}`, workspaceId: ws })).server.id);
    }
    await newServer({ name: "elsewhere", workspaceId: other });
    const all = await call("GET", `${SERVERS}?workspaceId=${ws}`);
    expect(all.status).toBe(200);
    expect(all.body.total).toBe(3);
    expect(all.body.servers.map((s: any) => s.id)).toEqual(ids);
    for (const srv of all.body.servers)
      expect(srv.mcpEndpoint).toMatch(
        new RegExp(`^http://127\\.0\\.0\\.1:\\d+/api/v1/mcp/servers/${srv.id}/mcp$`),
      );
    const one = await call("GET", `${SERVERS}/${ids[0]}`);
    expect(one.body.server.mcpEndpoint).toBe(all.body.servers[0].mcpEndpoint);
    const page = await call("GET", `${SERVERS}?workspaceId=${ws}&limit=1&offset=1`);
    expect(page.body).toMatchObject({ total: 3 });
    expect(page.body.servers.map((s: any) => s.id)).toEqual([ids[1]]);
    const everything = await call("GET", SERVERS);
    expect(everything.body.total).toBeGreaterThanOrEqual(4);
    expect(everything.body.servers.length).toBeLessThanOrEqual(50);

    for (const qs of ["limit=0", "limit=101", "offset=-1", "limit=abc", "bogus=1"]) {
      const bad = await call("GET", `${SERVERS}?${qs}`);
      expect(bad.status, qs).toBe(400);
      expect(bad.body.code).toBe("VALIDATION_ERROR");
      expect(issue(bad.body, qs.split("=")[0] as string), qs).toBeDefined();
    }
    const unknownWs = await call("GET", `${SERVERS}?workspaceId=nope-ws`);
    expect(unknownWs.status).toBe(404);
  });

  it("create validation: unknown fields, enums with allowed values, name, workspaceId", async () => {
    const ws = await newWs();
    const unknown = await call("POST", SERVERS, { name: "x", workspaceId: ws, tools: [] });
    expect(unknown.status).toBe(400);
    expect(issue(unknown.body, "tools")).toMatchObject({
      allowed: expect.arrayContaining(["name", "authMode"]),
    });

    const mode = await call("POST", SERVERS, { name: "x", workspaceId: ws, mode: "tools" });
    expect(mode.status).toBe(400);
    expect(issue(mode.body, "mode")?.allowed).toEqual(["TOOLS", "CODE"]);

    const auth = await call("POST", SERVERS, { name: "x", workspaceId: ws, authMode: "token" });
    expect(auth.status).toBe(400);
    expect(issue(auth.body, "authMode")?.allowed).toEqual(["oauth", "bearer", "oauth_and_bearer"]);

    for (const name of ["", "n".repeat(201), 5]) {
      const r = await call("POST", SERVERS, { name, workspaceId: ws });
      expect(r.status).toBe(400);
      expect(issue(r.body, "name")).toBeDefined();
    }
    const missing = await call("POST", SERVERS, { name: "x" });
    expect(issue(missing.body, "workspaceId")).toBeDefined();

    const noWs = await call("POST", SERVERS, { name: "x", workspaceId: "no-such-ws" });
    expect(noWs.status).toBe(400);
    expect(noWs.body.code).toBe("VALIDATION_ERROR");
    expect(issue(noWs.body, "workspaceId")?.message).toContain("no-such-ws");

    const notObject = await call("POST", SERVERS, [1]);
    expect(notObject.status).toBe(400);
  });

  it("PATCH updates fields; description null clears; NO_UPDATES; unknown fields; 404", async () => {
    const ws = await newWs();
    const { server } = await newServer({ name: "A", workspaceId: ws, description: "first" });
    expect(server.description).toBe("first");
    const r = await call("PATCH", `${SERVERS}/${server.id}`, { name: "B", mode: "CODE" });
    expect(r.status).toBe(200);
    expect(Object.keys(r.body)).toEqual(["server"]);
    expect(r.body.server).toMatchObject({ name: "B", mode: "CODE", description: "first" });
    expect(r.body.server.updatedAt > server.updatedAt).toBe(true);
    expect(r.body.server.createdAt).toBe(server.createdAt);

    const cleared = await call("PATCH", `${SERVERS}/${server.id}`, { description: null });
    expect(cleared.body.server.description).toBeNull();

    const empty = await call("PATCH", `${SERVERS}/${server.id}`, {});
    expect(empty.status).toBe(400);
    expect(empty.body.code).toBe("NO_UPDATES");

    const ro = await call("PATCH", `${SERVERS}/${server.id}`, { workspaceId: ws });
    expect(ro.status).toBe(400);
    expect(issue(ro.body, "workspaceId")?.message).toMatch(/cannot be changed/);

    const badMode = await call("PATCH", `${SERVERS}/${server.id}`, { mode: "BOTH" });
    expect(issue(badMode.body, "mode")?.allowed).toEqual(["TOOLS", "CODE"]);

    const badRegen = await call("PATCH", `${SERVERS}/${server.id}`, {
      regenerateBearerToken: false,
    });
    expect(badRegen.status).toBe(400);
    expect(issue(badRegen.body, "regenerateBearerToken")).toBeDefined();

    for (const m of ["GET", "PATCH", "DELETE"]) {
      const missing = await call(
        m,
        `${SERVERS}/nope-id`,
        m === "PATCH" ? { name: "x" } : undefined,
      );
      expect(missing.status, m).toBe(404);
      expect(missing.body.code).toBe("NOT_FOUND");
      expect(missing.body.error).toContain("nope-id");
    }
  });

  it("DELETE removes the server", async () => {
    const ws = await newWs();
    const { server } = await newServer({ name: "gone", workspaceId: ws });
    const del = await call("DELETE", `${SERVERS}/${server.id}`);
    expect(del.status).toBe(200);
    expect(del.body).toEqual({ deleted: true, id: server.id });
    expect((await call("GET", `${SERVERS}/${server.id}`)).status).toBe(404);
    expect((await call("DELETE", `${SERVERS}/${server.id}`)).status).toBe(404);
  });

  it("scoped keys reach only their workspaces' servers", async () => {
    const ws = await newWs();
    const { server } = await newServer({ name: "outside", workspaceId: ws });
    const inScope = await newServer({ name: "inside", workspaceId: DEMO.workspaceId });
    const scoped = client(env.local.url, SCOPED_KEY);
    expect((await scoped("GET", `${SERVERS}/${server.id}`)).status).toBe(403);
    expect((await scoped("POST", SERVERS, { name: "x", workspaceId: ws })).status).toBe(403);
    const list = await scoped("GET", SERVERS);
    expect(list.status).toBe(200);
    expect(list.body.servers.every((s: any) => s.workspaceId === DEMO.workspaceId)).toBe(true);
    expect((await scoped("GET", `${SERVERS}/${inScope.server.id}`)).status).toBe(200);
    await call("DELETE", `${SERVERS}/${inScope.server.id}`);
  });

  it("writes bump change_seq", async () => {
    const ws = await newWs();
    const s0 = env.local.store.changeSeq();
    const { server } = await newServer({ name: "seq", workspaceId: ws });
    expect(env.local.store.changeSeq()).toBe(s0 + 1);
    await call("PATCH", `${SERVERS}/${server.id}`, { name: "seq2" });
    expect(env.local.store.changeSeq()).toBe(s0 + 2);
    await call("GET", `${SERVERS}/${server.id}`);
    expect(env.local.store.changeSeq()).toBe(s0 + 2);
    await call("DELETE", `${SERVERS}/${server.id}`);
    expect(env.local.store.changeSeq()).toBe(s0 + 3);
  });
});

describe("MCP servers: auto-sync tools", () => {
  it("TOOLS mode: a new server sees the existing integrations, {alias}__{action}, in order", async () => {
    const ws = await newWs();
    await addWi(ws, { integrationName: "kv-store", alias: "memory", sortOrder: 2 });
    const slack = await addWi(ws, {
      integrationName: "slack",
      alias: "team_slack",
      connectionId: SLACK,
      enabledActions: ["list_channels", "send_channel_message"],
      sortOrder: 1,
    });
    const { server } = await newServer({ name: "T", workspaceId: ws });
    const ts = await tools(server.id);
    expect(names(ts)).toEqual([
      "team_slack__list_channels",
      "team_slack__send_channel_message",
      "memory__put",
      "memory__get",
      "memory__delete",
      "memory__add_to_list",
      "memory__remove_from_list",
    ]);
    expect(ts.map((t) => t.sortOrder)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(Object.keys(ts[0])).toEqual([
      "id",
      "mcpServerId",
      "name",
      "integrationName",
      "integrationAlias",
      "actionName",
      "toolType",
      "sourceWorkspaceIntegrationId",
      "sortOrder",
    ]);
    expect(ts[0]).toMatchObject({
      mcpServerId: server.id,
      integrationName: "slack",
      integrationAlias: "team_slack",
      actionName: "list_channels",
      toolType: "ACTION",
      sourceWorkspaceIntegrationId: slack.id,
    });
    // Ids are stable across reads.
    expect((await tools(server.id)).map((t) => t.id)).toEqual(ts.map((t) => t.id));
  });

  it("follows enabledActions changes, alias renames, sortOrder, additions and removals at once", async () => {
    const ws = await newWs();
    const { server } = await newServer({ name: "sync", workspaceId: ws });
    expect(await tools(server.id)).toEqual([]);

    const kv = await addWi(ws, {
      integrationName: "kv-store",
      alias: "kv",
      enabledActions: ["get"],
    });
    const first = await tools(server.id);
    expect(names(first)).toEqual(["kv__get"]);

    await call("PATCH", `${wiBase(ws)}/${kv.id}`, { enabledActions: ["put", "get"] });
    const second = await tools(server.id);
    expect(names(second)).toEqual(["kv__put", "kv__get"]);
    // The same action of the same integration keeps its id.
    expect(second[1].id).toBe(first[0].id);

    await call("PATCH", `${wiBase(ws)}/${kv.id}`, { alias: "store" });
    const renamed = await tools(server.id);
    expect(names(renamed)).toEqual(["store__put", "store__get"]);
    expect(renamed.map((t) => t.integrationAlias)).toEqual(["store", "store"]);
    expect(renamed.map((t) => t.id)).toEqual(second.map((t) => t.id));

    const http = await addWi(ws, { integrationName: "http", sortOrder: -1 });
    expect(names(await tools(server.id))).toEqual([
      "http__send_request",
      "store__put",
      "store__get",
    ]);

    await call("PATCH", `${wiBase(ws)}/${http.id}`, { sortOrder: 10 });
    expect(names(await tools(server.id))).toEqual([
      "store__put",
      "store__get",
      "http__send_request",
    ]);

    await call("PATCH", `${wiBase(ws)}/${kv.id}`, { enabledActions: null });
    expect(names(await tools(server.id))).toEqual([
      "store__put",
      "store__get",
      "store__delete",
      "store__add_to_list",
      "store__remove_from_list",
      "http__send_request",
    ]);

    await call("DELETE", `${wiBase(ws)}/${kv.id}`);
    expect(names(await tools(server.id))).toEqual(["http__send_request"]);
    await call("DELETE", `${wiBase(ws)}/${http.id}`);
    expect(await tools(server.id)).toEqual([]);
  });

  it("every server of the workspace reflects the change; other workspaces do not", async () => {
    const ws = await newWs();
    const other = await newWs();
    const a = (await newServer({ name: "a", workspaceId: ws })).server.id;
    const b = (await newServer({ name: "b", workspaceId: ws })).server.id;
    const c = (await newServer({ name: "c", workspaceId: other })).server.id;
    await addWi(ws, { integrationName: "http" });
    expect(names(await tools(a))).toEqual(["http__send_request"]);
    expect(names(await tools(b))).toEqual(["http__send_request"]);
    expect(await tools(c)).toEqual([]);
    const ta = await tools(a);
    const tb = await tools(b);
    expect(ta[0].id).not.toBe(tb[0].id);
  });

  it("CODE mode: exactly the three meta tools; switching modes re-derives", async () => {
    const ws = await newWs();
    await addWi(ws, { integrationName: "http" });
    const { server } = await newServer({ name: "code", workspaceId: ws, mode: "CODE" });
    const ts = await tools(server.id);
    expect(names(ts)).toEqual(["weavz_search", "weavz_read_api", "weavz_execute"]);
    for (const t of ts) {
      expect(t).toMatchObject({
        toolType: "CODE",
        integrationName: null,
        integrationAlias: null,
        actionName: null,
        sourceWorkspaceIntegrationId: null,
      });
    }
    await call("PATCH", `${SERVERS}/${server.id}`, { mode: "TOOLS" });
    expect(names(await tools(server.id))).toEqual(["http__send_request"]);
  });
});

describe("MCP servers: static bearer tokens", () => {
  it("issues an mcp_ token once, stores only its hash, flags hasBearerToken", async () => {
    const ws = await newWs();
    const r = await call("POST", SERVERS, { name: "bearer", workspaceId: ws, authMode: "bearer" });
    expect(r.status).toBe(201);
    expect(Object.keys(r.body)).toEqual(["server", "bearerToken", "mcpEndpoint"]);
    const token: string = r.body.bearerToken;
    expect(token).toMatch(/^mcp_[0-9A-Za-z]{32}$/);
    expect(r.body.server).toMatchObject({ authMode: "bearer", hasBearerToken: true });

    const got = await call("GET", `${SERVERS}/${r.body.server.id}`);
    expect(got.body.server.hasBearerToken).toBe(true);
    expect(got.text).not.toContain(token);
    const list = await call("GET", `${SERVERS}?workspaceId=${ws}`);
    expect(list.text).not.toContain(token);

    const both = await newServer({ name: "both", workspaceId: ws, authMode: "oauth_and_bearer" });
    expect(both.bearerToken).toMatch(/^mcp_/);
    expect(both.bearerToken).not.toBe(token);

    // The database holds a salted scrypt hash, never the token nor its plain SHA-256.
    const row = env.local.store.db
      .prepare("SELECT bearer_token_hash FROM mcp_servers WHERE id = ?")
      .pluck()
      .get(r.body.server.id) as string;
    expect(row).toMatch(/^\$scrypt\$ln=15,r=8,p=1\$/);
    expect(await verifySecret(token, row)).toBe(true);
    env.local.store.db.pragma("wal_checkpoint(FULL)");
    for (const f of readdirSync(env.local.dir)) {
      const bytes = readFileSync(join(env.local.dir, f));
      expect(bytes.includes(Buffer.from(token)), f).toBe(false);
      expect(bytes.includes(Buffer.from(token.slice(4))), f).toBe(false);
    }
    const dbBytes = readFileSync(env.local.dbPath);
    expect(dbBytes.includes(Buffer.from(row))).toBe(true);
    expect(dbBytes.includes(Buffer.from(legacyHash(token)))).toBe(false);
  });

  it("authMode switches: on issues a token, oauth drops it, regenerate replaces it", async () => {
    const ws = await newWs();
    const { server } = await newServer({ name: "switch", workspaceId: ws });
    const hash = () =>
      env.local.store.db
        .prepare("SELECT bearer_token_hash FROM mcp_servers WHERE id = ?")
        .pluck()
        .get(server.id) as string | null;
    const holds = async (token: string) => {
      const stored = hash();
      return stored !== null && (await verifySecret(token, stored));
    };

    const regenOff = await call("PATCH", `${SERVERS}/${server.id}`, {
      regenerateBearerToken: true,
    });
    expect(regenOff.status).toBe(400);
    expect(issue(regenOff.body, "regenerateBearerToken")?.message).toMatch(/bearer/);

    const on = await call("PATCH", `${SERVERS}/${server.id}`, { authMode: "bearer" });
    expect(on.status).toBe(200);
    expect(on.body.bearerToken).toMatch(/^mcp_[0-9A-Za-z]{32}$/);
    expect(on.body.server).toMatchObject({ authMode: "bearer", hasBearerToken: true });
    expect(await holds(on.body.bearerToken)).toBe(true);
    const onForm = hash();

    // Staying on a bearer mode keeps the token; no new one is shown.
    const same = await call("PATCH", `${SERVERS}/${server.id}`, { authMode: "oauth_and_bearer" });
    expect(same.body.bearerToken).toBeUndefined();
    expect(same.body.server).toMatchObject({ authMode: "oauth_and_bearer", hasBearerToken: true });
    expect(hash()).toBe(onForm);
    const rename = await call("PATCH", `${SERVERS}/${server.id}`, { name: "renamed" });
    expect(rename.body.bearerToken).toBeUndefined();
    expect(rename.body.server.hasBearerToken).toBe(true);

    const regen = await call("PATCH", `${SERVERS}/${server.id}`, { regenerateBearerToken: true });
    expect(regen.status).toBe(200);
    expect(regen.body.bearerToken).toMatch(/^mcp_/);
    expect(regen.body.bearerToken).not.toBe(on.body.bearerToken);
    expect(await holds(regen.body.bearerToken)).toBe(true);
    expect(await holds(on.body.bearerToken)).toBe(false);

    const off = await call("PATCH", `${SERVERS}/${server.id}`, { authMode: "oauth" });
    expect(off.status).toBe(200);
    expect(off.body.bearerToken).toBeUndefined();
    expect(off.body.server).toMatchObject({ authMode: "oauth", hasBearerToken: false });
    expect(hash()).toBeNull();

    const regenAndOff = await call("PATCH", `${SERVERS}/${server.id}`, {
      authMode: "oauth",
      regenerateBearerToken: true,
    });
    expect(regenAndOff.status).toBe(400);
  });
});

describe("MCP_BEARER_BLOCKS_PER_USER", () => {
  it("blocks per_user integration create and update while a bearer server exists", async () => {
    const ws = await newWs();
    const { server } = await newServer({
      name: "Static Agent",
      workspaceId: ws,
      authMode: "bearer",
    });

    const create = await call("POST", wiBase(ws), {
      integrationName: "gmail",
      connectionStrategy: "per_user",
    });
    expect(create.status).toBe(409);
    expect(create.body.code).toBe("MCP_BEARER_BLOCKS_PER_USER");
    expect(create.body.details).toEqual({ mcpServers: [{ id: server.id, name: "Static Agent" }] });
    expect(create.body.error).toContain("Static Agent");
    expect(create.body.error).toMatch(/"authMode":"oauth"/);
    expect(create.body.error).toContain("per_user_with_fallback");

    // per_user_with_fallback is allowed.
    const fallback = await addWi(ws, {
      integrationName: "slack",
      connectionStrategy: "per_user_with_fallback",
      connectionId: SLACK,
    });
    const fixed = await addWi(ws, { integrationName: "slack", alias: "bot", connectionId: SLACK });

    const update = await call("PATCH", `${wiBase(ws)}/${fixed.id}`, {
      connectionStrategy: "per_user",
    });
    expect(update.status).toBe(409);
    expect(update.body.code).toBe("MCP_BEARER_BLOCKS_PER_USER");
    expect(update.body.details.mcpServers).toEqual([{ id: server.id, name: "Static Agent" }]);
    const update2 = await call("PATCH", `${wiBase(ws)}/${fallback.id}`, {
      connectionStrategy: "per_user",
    });
    expect(update2.status).toBe(409);
    // Nothing changed.
    const list = await call("GET", wiBase(ws));
    expect(list.body.integrations.map((i: any) => i.connectionStrategy)).toEqual([
      "per_user_with_fallback",
      "fixed",
    ]);

    // Another workspace is unaffected.
    const other = await newWs();
    await addWi(other, { integrationName: "gmail", connectionStrategy: "per_user" });

    // Switching the bearer off lifts the block.
    await call("PATCH", `${SERVERS}/${server.id}`, { authMode: "oauth" });
    const after = await call("PATCH", `${wiBase(ws)}/${fixed.id}`, {
      connectionStrategy: "per_user",
    });
    expect(after.status).toBe(200);
    expect(after.body.integration.connectionStrategy).toBe("per_user");
  });

  it("deleting the last bearer server lifts the block; oauth servers never block", async () => {
    const ws = await newWs();
    await newServer({ name: "oauth only", workspaceId: ws });
    const a = (await newServer({ name: "A", workspaceId: ws, authMode: "bearer" })).server;
    const b = (await newServer({ name: "B", workspaceId: ws, authMode: "oauth_and_bearer" }))
      .server;
    const body = { integrationName: "gmail", connectionStrategy: "per_user" };
    const blocked = await call("POST", wiBase(ws), body);
    expect(blocked.status).toBe(409);
    expect(blocked.body.details.mcpServers).toEqual([
      { id: a.id, name: "A" },
      { id: b.id, name: "B" },
    ]);
    await call("DELETE", `${SERVERS}/${a.id}`);
    const still = await call("POST", wiBase(ws), body);
    expect(still.body.details.mcpServers).toEqual([{ id: b.id, name: "B" }]);
    await call("DELETE", `${SERVERS}/${b.id}`);
    await addWi(ws, body);
  });

  it("blocks issuing a bearer token (create or PATCH) while a per_user integration exists", async () => {
    const ws = await newWs();
    const gmail = await addWi(ws, {
      integrationName: "gmail",
      alias: "my_gmail",
      connectionStrategy: "per_user",
    });
    for (const authMode of ["bearer", "oauth_and_bearer"]) {
      const r = await call("POST", SERVERS, { name: "nope", workspaceId: ws, authMode });
      expect(r.status, authMode).toBe(409);
      expect(r.body.code).toBe("MCP_BEARER_BLOCKS_PER_USER");
      expect(r.body.error).toContain("my_gmail");
      expect(r.body.error).toContain("per_user_with_fallback");
      expect(r.body.error).toContain("authMode oauth");
      expect(r.body.details.integrations).toEqual([
        { id: gmail.id, alias: "my_gmail", integrationName: "gmail" },
      ]);
    }
    expect((await call("GET", `${SERVERS}?workspaceId=${ws}`)).body.total).toBe(0);

    const { server } = await newServer({ name: "oauth", workspaceId: ws });
    const patch = await call("PATCH", `${SERVERS}/${server.id}`, { authMode: "bearer" });
    expect(patch.status).toBe(409);
    expect(patch.body.code).toBe("MCP_BEARER_BLOCKS_PER_USER");
    const unchanged = await call("GET", `${SERVERS}/${server.id}`);
    expect(unchanged.body.server).toMatchObject({ authMode: "oauth", hasBearerToken: false });

    // Switch the integration to per_user_with_fallback: bearer is allowed again. The fallback
    // is a connection of this workspace (the demo's gmail connection belongs to another one).
    const conn = await call("POST", "/api/v1/connections", {
      type: "SECRET_TEXT",
      externalId: "gmail-fallback",
      displayName: "Team Gmail",
      integrationName: "gmail",
      workspaceId: ws,
      secretText: "s3cret",
    });
    expect(conn.status, conn.text).toBe(201);
    const fix = await call("PATCH", `${wiBase(ws)}/${gmail.id}`, {
      connectionStrategy: "per_user_with_fallback",
      connectionId: conn.body.connection.id,
    });
    expect(fix.status, fix.text).toBe(200);
    const ok = await call("PATCH", `${SERVERS}/${server.id}`, { authMode: "bearer" });
    expect(ok.status).toBe(200);
    expect(ok.body.bearerToken).toMatch(/^mcp_/);
  });
});
