import { connect } from "node:net";
import { Readable } from "node:stream";
import { request } from "undici";
import { describe, expect, it } from "vitest";
import { DEMO } from "../../src/local/demo.js";
import { useLocalApi } from "../helpers/local-api.js";

const SCOPED_KEY = "wvz_scoped_key_for_tests_0001";
const EXTRA_KEY = "wvz_extra_key_for_tests_00002";

const env = useLocalApi({
  extraKeys: [{ key: SCOPED_KEY, workspaceIds: [DEMO.workspaceId] }, { key: EXTRA_KEY }],
});
const { call } = env;

const WS = `/api/v1/workspaces/${DEMO.workspaceId}/integrations`;

/** Sends a request with the path exactly as given (URL parsers normalise dot segments). */
function rawRequest(method: string, path: string): Promise<{ status: number; body: any }> {
  const { hostname, port } = new URL(env.local.url);
  return new Promise((resolve, reject) => {
    const sock = connect(Number(port), hostname, () => {
      sock.write(
        `${method} ${path} HTTP/1.1\r\nHost: ${hostname}\r\nAuthorization: Bearer ${env.local.apiKey}\r\nConnection: close\r\n\r\n`,
      );
    });
    let data = "";
    sock.on("data", (d) => {
      data += d.toString("utf8");
    });
    sock.on("end", () => {
      const status = Number(data.slice(9, 12));
      const text = data.slice(data.indexOf("\r\n\r\n") + 4);
      resolve({ status, body: JSON.parse(text) });
    });
    sock.on("error", reject);
  });
}

describe("transport", () => {
  it("GET /health needs no auth", async () => {
    const r = await call("GET", "/health", undefined, { key: null });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ status: "healthy" });
  });

  it("401 without or with a bad key, envelope and no leak", async () => {
    const none = await call("GET", "/api/v1/workspaces", undefined, { key: null });
    expect(none.status).toBe(401);
    expect(none.body.code).toBe("UNAUTHORIZED");
    const bad = await call("GET", "/api/v1/workspaces", undefined, { key: "wvz_wrong_key_123" });
    expect(bad.status).toBe(401);
    expect(bad.text).not.toContain("wvz_wrong_key_123");
    const basic = await call("GET", "/api/v1/workspaces", undefined, {
      key: null,
      headers: { authorization: "Basic Zm9vOmJhcg==" },
    });
    expect(basic.status).toBe(401);
    // Unknown routes under /api/v1 still need a key.
    expect((await call("GET", "/api/v1/nope", undefined, { key: null })).status).toBe(401);
  });

  it("extra keys work in memory; scoped keys get 403 SCOPE_DENIED elsewhere", async () => {
    expect((await call("GET", "/api/v1/workspaces", undefined, { key: EXTRA_KEY })).status).toBe(
      200,
    );
    const other = await call("POST", "/api/v1/workspaces", { name: "Other", slug: "other" });
    expect(other.status).toBe(201);
    const otherId = other.body.workspace.id;
    const ok = await call("GET", WS, undefined, { key: SCOPED_KEY });
    expect(ok.status).toBe(200);
    for (const [m, p, b] of [
      ["GET", `/api/v1/workspaces/${otherId}/integrations`, undefined],
      ["POST", `/api/v1/workspaces/${otherId}/integrations`, { integrationName: "http" }],
      ["GET", `/api/v1/workspaces/${otherId}`, undefined],
      ["POST", "/api/v1/workspaces", { name: "x", slug: "x" }],
      ["GET", `/api/v1/end-users?workspaceId=${otherId}`, undefined],
    ] as const) {
      const r = await call(m, p, b, { key: SCOPED_KEY });
      expect(r.status, `${m} ${p}`).toBe(403);
      expect(r.body.code).toBe("SCOPE_DENIED");
    }
    const list = await call("GET", "/api/v1/workspaces", undefined, { key: SCOPED_KEY });
    expect(list.body.workspaces.map((w: { id: string }) => w.id)).toEqual([DEMO.workspaceId]);
    // Extra keys are never stored.
    expect(env.local.store.apiKeys.count()).toBe(1);
  });

  it("INVALID_JSON, non-object bodies, empty body", async () => {
    const r = await call("POST", WS, undefined, { raw: '{"integrationName": ' });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe("INVALID_JSON");
    for (const raw of ["[]", "null", "42", '"str"']) {
      const x = await call("POST", WS, undefined, { raw });
      expect(x.status, raw).toBe(400);
      expect(x.body.code).toBe("VALIDATION_ERROR");
      expect(x.body.details.issues[0].field).toBe("(body)");
    }
    const empty = await call("POST", WS, undefined, { raw: "" });
    expect(empty.status).toBe(400);
    expect(empty.body.code).toBe("VALIDATION_ERROR");
  });

  it("413 for bodies over 1 MiB, and the server keeps serving", async () => {
    const big = JSON.stringify({ integrationName: "x".repeat(1024 * 1024 + 10) });
    const r = await call("POST", WS, undefined, { raw: big });
    expect(r.status).toBe(413);
    expect(r.body.code).toBe("PAYLOAD_TOO_LARGE");
    // Chunked (no content-length): the limit still applies while streaming.
    for (const n of [40, 400]) {
      // 2.5 MiB, then 25 MiB (beyond what the server is willing to drain): a 413 either way.
      async function* chunks() {
        for (let i = 0; i < n; i++) yield Buffer.alloc(64 * 1024, 0x20);
      }
      const res = await request(`${env.local.url}${WS}`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${env.local.apiKey}`,
          "content-type": "application/json",
        },
        body: Readable.from(chunks()),
      });
      expect(res.statusCode).toBe(413);
      expect(JSON.parse(await res.body.text()).code).toBe("PAYLOAD_TOO_LARGE");
    }
    expect((await call("GET", "/health")).status).toBe(200);
  });

  it("unknown routes → 404, wrong methods → 405 with Allow", async () => {
    const r = await call("GET", "/api/v1/nothing-here");
    expect(r.status).toBe(404);
    expect(r.body.code).toBe("NOT_FOUND");
    const outside = await call("GET", "/favicon.ico");
    expect(outside.status).toBe(404);
    expect(outside.body.code).toBe("NOT_FOUND");
    const m = await call("PUT", WS, {});
    expect(m.status).toBe(405);
    expect(m.body.code).toBe("METHOD_NOT_ALLOWED");
    expect(m.headers.allow).toBe("GET, POST");
    const del = await call("DELETE", "/api/v1/workspaces");
    expect(del.status).toBe(405);
    const getOne = await call("GET", `${WS}/some-id`);
    expect(getOne.status).toBe(405);
    expect(getOne.headers.allow).toBe("PATCH, DELETE");
    expect((await call("POST", "/health")).status).toBe(405);
  });

  it("path ids: percent-decoding once, empty/./.. rejected in the envelope", async () => {
    const enc = await call("GET", `/api/v1/workspaces/${encodeURIComponent(DEMO.workspaceId)}`);
    expect(enc.status).toBe(200);
    for (const p of [
      "/api/v1/workspaces/%2E%2E/integrations",
      "/api/v1/workspaces/./integrations",
      "/api/v1/workspaces/../integrations",
      "/api/v1/workspaces//integrations",
      "/api/v1/workspaces/%E0%A4%A/integrations",
      `/api/v1/workspaces/${DEMO.workspaceId}/integrations/%2E`,
    ]) {
      const r = await rawRequest(p.endsWith("%2E") ? "DELETE" : "GET", p);
      expect([400, 404], p).toContain(r.status);
      expect(typeof r.body.code, p).toBe("string");
    }
    // %2F stays inside one segment (no traversal).
    const slash = await rawRequest("GET", "/api/v1/workspaces/a%2Fb");
    expect(slash.status).toBe(404);
    expect(slash.body.error).toContain("a/b");
    // Double-encoded stays literal after one decode.
    const dbl = await rawRequest("GET", "/api/v1/workspaces/%252E%252E");
    expect(dbl.status).toBe(404);
    expect(dbl.body.error).toContain("%2E%2E");
  });

  it("headers: content-type, x-request-id; unknown query params rejected", async () => {
    const r = await call("GET", WS);
    expect(r.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(r.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    const q = await call("GET", `${WS}?limit=5`);
    expect(q.status).toBe(400);
    expect(q.body.details.issues[0].field).toBe("limit");
  });

  it("keep-alive is on", async () => {
    const res = await request(`${env.local.url}/health`);
    await res.body.text();
    expect(String(res.headers.connection ?? "keep-alive")).toMatch(/keep-alive/i);
  });

  it("never a 500 for client mistakes (fuzzed bodies)", async () => {
    const bodies: unknown[] = [
      { integrationName: 1 },
      { integrationName: "slack", alias: 5 },
      { integrationName: "slack", enabledActions: "all" },
      { integrationName: "slack", enabledActions: [1, 2] },
      { integrationName: "slack", settings: [] },
      { integrationName: "slack", settings: "x" },
      { integrationName: "slack", sortOrder: "1" },
      { integrationName: "slack", sortOrder: 1e12 },
      { integrationName: "slack", connectionId: "" },
      { integrationName: "slack", connectionId: "../x" },
      { integrationName: "slack", displayName: "" },
      { integrationName: "advanced-code", settings: { advancedCode: null } },
      { integrationName: "kv-store", settings: { persistence: "workspace" } },
      { __proto__: { integrationName: "slack" } },
      { constructor: "x" },
    ];
    for (const b of bodies) {
      const r = await call("POST", WS, b);
      expect(r.status, JSON.stringify(b)).toBe(400);
      expect(r.body.code).toBe("VALIDATION_ERROR");
      expect(r.text).not.toMatch(/at .*\.(ts|js):\d+/);
    }
  });
});
