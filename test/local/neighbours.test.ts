import { describe, expect, it } from "vitest";
import { DEMO } from "../../src/local/demo.js";
import { useLocalApi } from "../helpers/local-api.js";

const env = useLocalApi({ demo: true });
const { call } = env;

describe("workspaces", () => {
  it("create, get, duplicate slug, validation", async () => {
    const r = await call("POST", "/api/v1/workspaces", { name: "Acme", slug: "acme" });
    expect(r.status).toBe(201);
    expect(Object.keys(r.body.workspace)).toEqual([
      "id",
      "orgId",
      "name",
      "slug",
      "createdAt",
      "updatedAt",
    ]);
    const got = await call("GET", `/api/v1/workspaces/${r.body.workspace.id}`);
    expect(got.body.workspace).toEqual(r.body.workspace);
    const dup = await call("POST", "/api/v1/workspaces", { name: "Acme 2", slug: "acme" });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe("DUPLICATE");
    const bad = await call("POST", "/api/v1/workspaces", { name: "", slug: "Bad Slug", x: 1 });
    expect(bad.status).toBe(400);
    const fields = bad.body.details.issues.map((i: { field: string }) => i.field);
    expect(fields).toEqual(expect.arrayContaining(["name", "slug", "x"]));
    const missing = await call("GET", "/api/v1/workspaces/does-not-exist");
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe("NOT_FOUND");
  });

  it("paging bounds", async () => {
    for (let i = 0; i < 3; i++) {
      await call("POST", "/api/v1/workspaces", { name: `P${i}`, slug: `p-${i}` });
    }
    const all = await call("GET", "/api/v1/workspaces");
    expect(all.body.total).toBeGreaterThanOrEqual(4);
    const page = await call("GET", "/api/v1/workspaces?limit=2&offset=1");
    expect(page.status).toBe(200);
    expect(page.body.workspaces).toHaveLength(2);
    expect(page.body.workspaces[0].id).toBe(all.body.workspaces[1].id);
    expect(page.body.total).toBe(all.body.total);
    const max = await call("GET", "/api/v1/workspaces?limit=100");
    expect(max.status).toBe(200);
    const beyond = await call("GET", "/api/v1/workspaces?offset=1000");
    expect(beyond.body).toEqual({ workspaces: [], total: all.body.total });
    for (const q of ["limit=0", "limit=101", "limit=abc", "offset=-1", "limit=1.5", "page=2"]) {
      const r = await call("GET", `/api/v1/workspaces?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.body.code).toBe("VALIDATION_ERROR");
    }
  });
});

describe("connections", () => {
  it("lists demo connections, filters, pages", async () => {
    const all = await call("GET", "/api/v1/connections");
    expect(all.status).toBe(200);
    const ids = all.body.connections.map((c: { id: string }) => c.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        DEMO.slackBotConnectionId,
        DEMO.slackDefaultConnectionId,
        DEMO.slackBotPinnedConnectionId,
        DEMO.openaiConnectionId,
        DEMO.gmailConnectionId,
      ]),
    );
    const slack = await call("GET", "/api/v1/connections?integrationName=slack");
    expect(slack.body.total).toBe(3);
    // A workspace's connections are its own plus the organisation-level ones, which every
    // workspace may use (issue 23: lookups, completion and prompts agree on that).
    const ws = await call("GET", `/api/v1/connections?workspaceId=${DEMO.workspaceId}`);
    const usable = ws.body.connections as Array<{ id: string; workspaceId: string | null }>;
    expect(usable.map((c) => c.id)).toEqual(expect.arrayContaining(ids));
    expect(usable).toHaveLength(all.body.total);
    expect(usable.every((c) => c.workspaceId === DEMO.workspaceId || c.workspaceId === null)).toBe(
      true,
    );
    const own = usable.filter((c) => c.workspaceId === DEMO.workspaceId);
    expect(own.map((c) => c.id)).toEqual([DEMO.gmailConnectionId]);
    expect(own[0]).toMatchObject({ scope: "USER", endUserId: "user_123" });
    const other = await call("POST", "/api/v1/workspaces", {
      name: "Elsewhere",
      slug: "elsewhere",
    });
    expect(other.status, other.text).toBe(201);
    const elsewhere = await call(
      "GET",
      `/api/v1/connections?workspaceId=${other.body.workspace.id}`,
    );
    expect(elsewhere.body.connections.map((c: { id: string }) => c.id)).not.toContain(
      DEMO.gmailConnectionId,
    );
    const page = await call("GET", "/api/v1/connections?limit=1&offset=1");
    expect(page.body.connections).toHaveLength(1);
  });

  it("creates without returning secrets; duplicates; validation; delete", async () => {
    const body = {
      type: "SECRET_TEXT",
      externalId: "gh_main",
      displayName: "GitHub",
      integrationName: "github",
      secretText: "ghp_supersecretvalue",
    };
    const r = await call("POST", "/api/v1/connections", body);
    expect(r.status).toBe(201);
    expect(r.body.connection).toMatchObject({
      externalId: "gh_main",
      status: "ACTIVE",
      scope: "ORGANIZATION",
      type: "SECRET_TEXT",
    });
    expect(r.text).not.toContain("supersecret");
    const dump = env.local.store.db
      .prepare("SELECT * FROM connections WHERE id = ?")
      .get(r.body.connection.id);
    expect(JSON.stringify(dump)).not.toContain("supersecret");
    const dup = await call("POST", "/api/v1/connections", body);
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe("DUPLICATE");
    const badName = await call("POST", "/api/v1/connections", {
      ...body,
      integrationName: "githob",
    });
    expect(badName.status).toBe(400);
    expect(badName.body.details.issues[0].field).toBe("integrationName");
    expect(badName.body.error).toContain("github");
    const badType = await call("POST", "/api/v1/connections", { ...body, type: "TOKEN" });
    expect(badType.status).toBe(400);
    expect(badType.body.details.issues[0].allowed).toContain("OAUTH2");
    const badWs = await call("POST", "/api/v1/connections", {
      ...body,
      externalId: "x2",
      workspaceId: "no-such-ws",
      scope: "WORKSPACE",
    });
    expect(badWs.status).toBe(400);
    expect(badWs.body.details.issues[0].field).toBe("workspaceId");
    const get = await call("GET", `/api/v1/connections/${r.body.connection.id}`);
    expect(get.body.connection).toEqual(r.body.connection);
    const del = await call("DELETE", `/api/v1/connections/${r.body.connection.id}`);
    expect(del.body).toEqual({ deleted: true, id: r.body.connection.id });
    expect((await call("DELETE", `/api/v1/connections/${r.body.connection.id}`)).status).toBe(404);
  });

  it("deleting a pinned connection → 409 naming the integrations", async () => {
    const c = await call("POST", "/api/v1/connections", {
      type: "SECRET_TEXT",
      externalId: "pinned",
      displayName: "Pinned",
      integrationName: "slack",
    });
    const wi = await call("POST", `/api/v1/workspaces/${DEMO.workspaceId}/integrations`, {
      integrationName: "slack",
      alias: "pinned_slack",
      connectionId: c.body.connection.id,
    });
    expect(wi.status).toBe(201);
    const del = await call("DELETE", `/api/v1/connections/${c.body.connection.id}`);
    expect(del.status).toBe(409);
    expect(del.body.error).toContain("pinned_slack");
    expect(del.body.details.integrations[0].id).toBe(wi.body.integration.id);
    await call(
      "DELETE",
      `/api/v1/workspaces/${DEMO.workspaceId}/integrations/${wi.body.integration.id}`,
    );
    expect((await call("DELETE", `/api/v1/connections/${c.body.connection.id}`)).status).toBe(200);
  });
});

describe("end users", () => {
  it("create, list, duplicate, unknown workspace", async () => {
    const list = await call("GET", `/api/v1/end-users?workspaceId=${DEMO.workspaceId}`);
    expect(list.body.endUsers.map((u: { externalId: string }) => u.externalId)).toContain(
      "user_123",
    );
    const r = await call("POST", "/api/v1/end-users", {
      workspaceId: DEMO.workspaceId,
      externalId: "u_2",
      email: "u2@example.com",
    });
    expect(r.status).toBe(201);
    expect(r.body.endUser).toMatchObject({
      externalId: "u_2",
      displayName: null,
      email: "u2@example.com",
    });
    const dup = await call("POST", "/api/v1/end-users", {
      workspaceId: DEMO.workspaceId,
      externalId: "u_2",
    });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe("DUPLICATE");
    const noWs = await call("POST", "/api/v1/end-users", { workspaceId: "nope", externalId: "u" });
    expect(noWs.status).toBe(400);
    expect(noWs.body.details.issues[0].field).toBe("workspaceId");
    const badEmail = await call("POST", "/api/v1/end-users", {
      workspaceId: DEMO.workspaceId,
      externalId: "u3",
      email: "not-an-email",
    });
    expect(badEmail.status).toBe(400);
    const unknownWs = await call("GET", "/api/v1/end-users?workspaceId=nope");
    expect(unknownWs.status).toBe(404);
  });
});

describe("catalog", () => {
  it("pages full objects, summaries, one by name, search", async () => {
    const r = await call("GET", "/api/v1/integrations");
    expect(r.status).toBe(200);
    expect(r.body.total).toBe(766);
    expect(r.body.integrations).toHaveLength(50);
    expect(r.body.integrations[0].actions[0]).toHaveProperty("props");
    const s = await call("GET", "/api/v1/integrations?summary=true&limit=100&offset=700");
    expect(s.body.integrations).toHaveLength(66);
    expect(Object.keys(s.body.integrations[0])).toEqual([
      "name",
      "displayName",
      "builtIn",
      "requiresConnection",
      "settingsBlocks",
      "actionCount",
      "actions",
    ]);
    const one = await call("GET", "/api/v1/integrations?name=advanced-code");
    expect(one.body.integration).toMatchObject({
      name: "advanced-code",
      builtIn: true,
      settingsBlocks: ["advancedCode"],
    });
    const missing = await call("GET", "/api/v1/integrations?name=slak");
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe("INTEGRATION_NOT_FOUND");
    expect(missing.body.error).toContain("slack");
    const search = await call("GET", "/api/v1/integrations?search=send%20slack%20message");
    expect(search.status).toBe(200);
    expect(search.body.hits[0].name).toBe("slack");
    expect(search.body.integrations[0]).toMatchObject({ name: "slack" });
    expect(search.body.total).toBeGreaterThan(0);
    const bad = await call("GET", "/api/v1/integrations?limit=500");
    expect(bad.status).toBe(400);
    const bogus = await call("GET", "/api/v1/integrations?foo=1");
    expect(bogus.status).toBe(400);
  });
});
