import { describe, expect, it } from "vitest";
import { createWeavzClient } from "../../src/api/client.js";
import { WeavzApiError } from "../../src/api/errors.js";
import { VERSION } from "../../src/version.js";
import { json } from "./fault-server.js";
import {
  API_KEY,
  caught,
  client,
  integration,
  listItem,
  SECRET_PART,
  useFaultServer,
  WS,
} from "./helpers.js";

let c: ReturnType<typeof client>;
const upstream = useFaultServer(() => c);

describe("success shapes and what the client sends", () => {
  it("listWorkspaceIntegrations: GET, auth and standard headers, parsed body", async () => {
    c = client(upstream.up.url);
    upstream.up.sequence(json(200, { integrations: [listItem()], total: 1 }));
    const out = await c.listWorkspaceIntegrations(WS);
    expect(out.total).toBe(1);
    expect(out.integrations[0]?.connectionStatus).toBe("ACTIVE");
    const r = upstream.up.requests[0];
    expect(r?.method).toBe("GET");
    expect(r?.url).toBe(`/api/v1/workspaces/${WS}/integrations`);
    expect(r?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(r?.headers.accept).toBe("application/json");
    expect(r?.headers["user-agent"]).toBe(`weavz-mcp/${VERSION}`);
    expect(r?.headers["content-type"]).toBeUndefined();
    expect(r?.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("createWorkspaceIntegration: POST with a JSON body, 201 → {integration}", async () => {
    c = client(upstream.up.url);
    const created = integration({ alias: "team_slack" });
    upstream.up.sequence(json(201, { integration: created }));
    const body = {
      integrationName: "slack",
      alias: "team_slack",
      connectionId: "conn_slack_bot",
      enabledActions: ["send_channel_message"],
    };
    const out = await c.createWorkspaceIntegration(WS, body);
    expect(out).toEqual({ integration: created });
    expect(out.reconciled).toBeUndefined();
    const r = upstream.up.requests[0];
    expect(r?.method).toBe("POST");
    expect(r?.url).toBe(`/api/v1/workspaces/${WS}/integrations`);
    expect(r?.headers["content-type"]).toBe("application/json");
    expect(r?.json).toEqual(body);
  });

  it("updateWorkspaceIntegration: PATCH …/{id} with the body", async () => {
    c = client(upstream.up.url);
    const updated = integration({ connectionStrategy: "per_user_with_fallback" });
    upstream.up.sequence(json(200, { integration: updated }));
    const out = await c.updateWorkspaceIntegration(WS, "wi_1", {
      connectionStrategy: "per_user_with_fallback",
      displayName: null,
    });
    expect(out.integration.connectionStrategy).toBe("per_user_with_fallback");
    expect(upstream.up.requests[0]?.method).toBe("PATCH");
    expect(upstream.up.requests[0]?.url).toBe(`/api/v1/workspaces/${WS}/integrations/wi_1`);
    expect(upstream.up.requests[0]?.json).toEqual({
      connectionStrategy: "per_user_with_fallback",
      displayName: null,
    });
  });

  it("deleteWorkspaceIntegration: DELETE …/{id} → {deleted, id}", async () => {
    c = client(upstream.up.url);
    upstream.up.sequence(json(200, { deleted: true, id: "wi_1" }));
    expect(await c.deleteWorkspaceIntegration(WS, "wi_1")).toEqual({ deleted: true, id: "wi_1" });
    expect(upstream.up.requests[0]?.method).toBe("DELETE");
    expect(upstream.up.requests[0]?.url).toBe(`/api/v1/workspaces/${WS}/integrations/wi_1`);
    expect(upstream.up.requests[0]?.body).toBe("");
  });

  it("listWorkspaces and getWorkspace", async () => {
    c = client(upstream.up.url);
    const ws = {
      id: WS,
      orgId: "o1",
      name: "Main",
      slug: "main",
      createdAt: "2025-01-01T00:00:00.000Z",
      updatedAt: "2025-01-01T00:00:00.000Z",
    };
    upstream.up.sequence(
      json(200, { workspaces: [ws], total: 1 }),
      json(200, { workspace: ws }),
      json(200, { workspaces: [], total: 1 }),
    );
    expect(await c.listWorkspaces({ limit: 10, offset: 20 })).toEqual({
      workspaces: [ws],
      total: 1,
    });
    expect(await c.getWorkspace(WS)).toEqual({ workspace: ws });
    await c.listWorkspaces();
    expect(upstream.up.requests.map((r) => r.url)).toEqual([
      "/api/v1/workspaces?limit=10&offset=20",
      `/api/v1/workspaces/${WS}`,
      "/api/v1/workspaces",
    ]);
  });

  it("listConnections: filters as query params, undefined omitted", async () => {
    c = client(upstream.up.url);
    const conn = {
      id: "conn_slack_bot",
      externalId: "slack_bot",
      displayName: "Slack Bot",
      integrationName: "slack",
      type: "OAUTH2",
      status: "ACTIVE",
      scope: "ORGANIZATION",
      createdAt: "2025-01-01T00:00:00.000Z",
      updatedAt: "2025-01-01T00:00:00.000Z",
    };
    upstream.up.sequence(
      json(200, { connections: [conn], total: 1 }),
      json(200, { connections: [], total: 0 }),
    );
    expect(
      (await c.listConnections({ workspaceId: WS, integrationName: "slack", limit: 5 }))
        .connections,
    ).toEqual([conn]);
    await c.listConnections({ integrationName: "a b&c" });
    expect(upstream.up.requests[0]?.url).toBe(
      `/api/v1/connections?workspaceId=${WS}&integrationName=slack&limit=5`,
    );
    expect(upstream.up.requests[1]?.url).toBe("/api/v1/connections?integrationName=a+b%26c");
  });

  it("listCatalog and getCatalogIntegration", async () => {
    c = client(upstream.up.url);
    const entry = { name: "slack", displayName: "Slack", actions: [] };
    upstream.up.sequence(
      json(200, {
        integrations: [{ name: "slack", displayName: "Slack", actionCount: 3 }],
        total: 1,
        hits: [],
      }),
      json(200, { integration: entry }),
    );
    const list = await c.listCatalog({
      search: "send message",
      summary: true,
      limit: 3,
      offset: 0,
    });
    expect(list.total).toBe(1);
    expect(list.hits).toEqual([]);
    expect(await c.getCatalogIntegration("kv-store")).toEqual({ integration: entry });
    expect(upstream.up.requests.map((r) => r.url)).toEqual([
      "/api/v1/integrations?search=send+message&summary=true&limit=3&offset=0",
      "/api/v1/integrations?name=kv-store",
    ]);
  });

  it("health: GET /health outside /api/v1", async () => {
    c = client(upstream.up.url);
    upstream.up.sequence(json(200, { status: "healthy" }));
    expect(await c.health()).toEqual({ status: "healthy" });
    expect(upstream.up.requests[0]?.url).toBe("/health");
  });

  it("keeps fields the hosted API may add (no strict validation)", async () => {
    c = client(upstream.up.url);
    upstream.up.sequence(
      json(200, { integrations: [listItem({ futureField: 42 })], total: 1, nextCursor: "x" }),
    );
    const out = (await c.listWorkspaceIntegrations(WS)) as unknown as Record<string, unknown>;
    expect(out.nextCursor).toBe("x");
    expect((out.integrations as Record<string, unknown>[])[0]?.futureField).toBe(42);
  });

  it("normalises the base URL: trailing slash, /api/v1 suffix, path prefix", async () => {
    c = client(`${upstream.up.url}/api/v1/`);
    expect(c.baseUrl).toBe(upstream.up.url);
    upstream.up.sequence(json(200, { status: "healthy" }), json(200, { status: "healthy" }));
    await c.health();
    await c.close();
    c = client(`${upstream.up.url}/proxy/`);
    expect(c.baseUrl).toBe(`${upstream.up.url}/proxy`);
    await c.health();
    expect(upstream.up.requests.map((r) => r.url)).toEqual(["/health", "/proxy/health"]);
  });

  it("rejects bad options", () => {
    expect(() => createWeavzClient({ baseUrl: "ftp://x", apiKey: API_KEY })).toThrow(/http/);
    expect(() => createWeavzClient({ baseUrl: upstream.up.url, apiKey: "" })).toThrow(/apiKey/);
    expect(() =>
      createWeavzClient({ baseUrl: upstream.up.url, apiKey: API_KEY, timeoutMs: Number.NaN }),
    ).toThrow(/timeoutMs/);
  });
});

describe("path encoding", () => {
  it("percent-encodes every segment", async () => {
    c = client(upstream.up.url);
    upstream.up.handle(() => json(200, { deleted: true, id: "x" }));
    await c.deleteWorkspaceIntegration("a/b", "c d?e#f%");
    await c.getWorkspace("ü/..");
    expect(upstream.up.requests.map((r) => r.url)).toEqual([
      "/api/v1/workspaces/a%2Fb/integrations/c%20d%3Fe%23f%25",
      "/api/v1/workspaces/%C3%BC%2F..",
    ]);
  });

  it.each([
    ["", "workspaceId"],
    [".", "workspaceId"],
    ["..", "workspaceId"],
  ])("rejects workspaceId %j without any request", async (bad, param) => {
    c = client(upstream.up.url);
    const err = await caught(() => c.listWorkspaceIntegrations(bad));
    expect(err).toBeInstanceOf(WeavzApiError);
    const e = err as WeavzApiError;
    expect(e.status).toBe(400);
    expect(e.code).toBe("VALIDATION_ERROR");
    expect(e.message).toContain(param);
    expect(e.fieldIssues[0]?.field).toBe(param);
    expect(upstream.up.requests).toHaveLength(0);
  });

  it("rejects bad ids on every method that takes one, before any request", async () => {
    c = client(upstream.up.url);
    const calls: [string, () => Promise<unknown>][] = [
      ["id", () => c.updateWorkspaceIntegration(WS, "..", { sortOrder: 1 })],
      ["id", () => c.deleteWorkspaceIntegration(WS, ".")],
      ["workspaceId", () => c.createWorkspaceIntegration("", { integrationName: "slack" })],
      ["id", () => c.getWorkspace("..")],
      ["name", () => c.getCatalogIntegration("")],
    ];
    for (const [param, call] of calls) {
      const err = (await caught(call)) as WeavzApiError;
      expect(err.status).toBe(400);
      expect(err.message).toContain(param);
    }
    expect(upstream.up.requests).toHaveLength(0);
  });
});

describe("error answers", () => {
  it("maps the error envelope to WeavzApiError fields", async () => {
    c = client(upstream.up.url);
    const details = { issues: [{ field: "connectionId", message: "is required for fixed" }] };
    upstream.up.sequence(
      json(
        400,
        { error: "connectionId is required", code: "VALIDATION_ERROR", details },
        { "x-request-id": "req_123" },
      ),
    );
    const err = (await caught(() =>
      c.createWorkspaceIntegration(WS, { integrationName: "slack" }),
    )) as WeavzApiError;
    expect(err).toBeInstanceOf(WeavzApiError);
    expect(err.status).toBe(400);
    expect(err.code).toBe("VALIDATION_ERROR");
    expect(err.message).toBe("connectionId is required");
    expect(err.details).toEqual(details);
    expect(err.fieldIssues).toEqual(details.issues);
    expect(err.requestId).toBe("req_123");
    expect(err.method).toBe("POST");
    expect(err.path).toBe(`/api/v1/workspaces/${WS}/integrations`);
    expect(err.createOutcome).toBeUndefined();
    expect(upstream.up.requests).toHaveLength(1);
  });

  it("409 DUPLICATE and 404 are not retried", async () => {
    c = client(upstream.up.url);
    upstream.up.sequence(
      json(409, { error: "alias taken", code: "DUPLICATE" }),
      json(404, { error: "nope", code: "NOT_FOUND" }),
    );
    expect(
      (
        (await caught(() =>
          c.createWorkspaceIntegration(WS, { integrationName: "slack" }),
        )) as WeavzApiError
      ).code,
    ).toBe("DUPLICATE");
    expect(
      ((await caught(() => c.deleteWorkspaceIntegration(WS, "x"))) as WeavzApiError).code,
    ).toBe("NOT_FOUND");
    expect(upstream.up.requests).toHaveLength(2);
  });

  it("tolerates a non-JSON error body: default code, snippet in details, not in the message", async () => {
    c = client(upstream.up.url, { maxRetries: 0 });
    const html = `<html><body>${"Bad gateway ".repeat(100)}</body></html>`;
    upstream.up.sequence({
      kind: "text",
      status: 502,
      body: html,
      headers: { "content-type": "text/html" },
    });
    const err = (await caught(() => c.listWorkspaces())) as WeavzApiError;
    expect(err.status).toBe(502);
    expect(err.code).toBe("INTERNAL_ERROR");
    expect(err.message).toBe("HTTP 502 from GET /api/v1/workspaces");
    const snippet = err.details?.bodySnippet as string;
    expect(snippet.startsWith("<html><body>Bad gateway")).toBe(true);
    expect(snippet.length).toBeLessThanOrEqual(201);
  });

  it("tolerates an empty error body", async () => {
    c = client(upstream.up.url);
    upstream.up.sequence({ kind: "text", status: 401, body: "" });
    const err = (await caught(() => c.listWorkspaces())) as WeavzApiError;
    expect(err.status).toBe(401);
    expect(err.code).toBe("UNAUTHORIZED");
    expect(err.details).toBeUndefined();
  });

  it("a 2xx with a non-JSON body is an INVALID_RESPONSE error", async () => {
    c = client(upstream.up.url);
    upstream.up.sequence({ kind: "text", status: 200, body: "<html>login page</html>" });
    const err = (await caught(() => c.listWorkspaces())) as WeavzApiError;
    expect(err.code).toBe("INVALID_RESPONSE");
    expect(err.details?.bodySnippet).toBe("<html>login page</html>");
  });

  it("never leaks the API key into errors or log lines, even when the upstream echoes it", async () => {
    c = client(upstream.up.url, { maxRetries: 1 });
    upstream.up.handle((req) => ({
      kind: "text",
      status: 500,
      body: `debug dump: authorization=${req.headers.authorization} key=${API_KEY}`,
    }));
    const e1 = (await caught(() => c.listWorkspaces())) as WeavzApiError;
    upstream.up.sequence({ kind: "reset" }, { kind: "reset" });
    const e2 = await caught(() => c.listWorkspaceIntegrations(WS));
    upstream.up.sequence({ kind: "reset" }, json(200, { integrations: [], total: 0 }));
    const e3 = await caught(() => c.createWorkspaceIntegration(WS, { integrationName: "slack" }));
    const everything = [e1, e2, e3]
      .map(
        (e) =>
          `${String(e)} ${e.stack} ${JSON.stringify(e)} ${JSON.stringify((e as WeavzApiError).details)}`,
      )
      .concat(c.log.lines)
      .join("\n");
    expect(c.log.lines.length).toBeGreaterThan(3);
    expect(everything).not.toContain(SECRET_PART);
    expect(c.log.lines.some((l) => /"method":"GET".*"status":500.*"attempt":1/.test(l))).toBe(true);
  });
});
