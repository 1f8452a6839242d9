/**
 * Issue 8 #3 and #9 on the real local API: a reply is never lost to bytes that follow a
 * request, bodies must be JSON by Content-Type, and every error body has the same shape.
 */
import { connect } from "node:net";
import { describe, expect, it } from "vitest";
import { DEMO } from "../../src/local/demo.js";
import { useLocalApi } from "../helpers/local-api.js";

const env = useLocalApi();
const { call } = env;
const WS = `/api/v1/workspaces/${DEMO.workspaceId}/integrations`;

/** Writes `raw` on one socket and collects everything the server sends until it closes. */
function rawExchange(raw: string, waitMs = 3_000): Promise<string> {
  const { hostname, port } = new URL(env.local.url);
  return new Promise((resolve, reject) => {
    let data = "";
    const sock = connect(Number(port), hostname, () => sock.write(raw));
    const timer = setTimeout(() => {
      sock.destroy();
      resolve(data);
    }, waitMs);
    sock.on("data", (d) => {
      data += d.toString("utf8");
    });
    sock.on("close", () => {
      clearTimeout(timer);
      resolve(data);
    });
    sock.on("error", reject);
  });
}

async function createKv(alias: string): Promise<string> {
  const r = await call("POST", WS, { integrationName: "kv-store", alias });
  expect(r.status).toBe(201);
  return r.body.integration.id as string;
}

describe("issue 8 #3: unframed bytes after a request", () => {
  it("a DELETE with a body and no Content-Length still gets its own reply (then a 400 for the rest)", async () => {
    const id = await createKv("framing_del");
    const { hostname } = new URL(env.local.url);
    // What Node's http.request can send: a body on DELETE without any framing header.
    const out = await rawExchange(
      `DELETE ${WS}/${id} HTTP/1.1\r\nHost: ${hostname}\r\nAuthorization: Bearer ${env.local.apiKey}\r\n\r\n{"force":true}`,
    );
    const first = out.indexOf("HTTP/1.1 ");
    expect(out.slice(first, first + 12)).toBe("HTTP/1.1 200");
    expect(out).toContain(`"deleted":true`);
    expect(out).toContain(`"id":"${id}"`);
    // The trailing bytes are then refused with the usual envelope.
    expect(out).toMatch(/HTTP\/1\.1 400[\s\S]*"code":"VALIDATION_ERROR"[\s\S]*"details"/);
    const list = await call("GET", WS);
    expect(list.body.integrations.map((i: { id: string }) => i.id)).not.toContain(id);
  });

  it("a PATCH followed by garbage on the same connection keeps its reply", async () => {
    const id = await createKv("framing_patch");
    const { hostname } = new URL(env.local.url);
    const body = '{"sortOrder":7}';
    const out = await rawExchange(
      `PATCH ${WS}/${id} HTTP/1.1\r\nHost: ${hostname}\r\nAuthorization: Bearer ${env.local.apiKey}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}\u0001\u0002 not http\r\n\r\n`,
    );
    expect(out.startsWith("HTTP/1.1 200")).toBe(true);
    expect(out).toContain(`"sortOrder":7`);
  });

  it("garbage alone still gets a 400 envelope", async () => {
    const out = await rawExchange("NOT HTTP AT ALL\r\n\r\n");
    expect(out.startsWith("HTTP/1.1 400")).toBe(true);
    expect(out).toContain('"details":{}');
  });
});

describe("issue 8 #9: Content-Type and the error envelope", () => {
  it("a body that is not declared JSON → 415 with the envelope, nothing stored", async () => {
    for (const type of [
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "application/xml",
    ]) {
      const r = await call("POST", WS, undefined, {
        raw: JSON.stringify({ integrationName: "kv-store", alias: "typed_415" }),
        headers: { "content-type": type },
      });
      expect(r.status, type).toBe(415);
      expect(r.body).toMatchObject({
        code: "UNSUPPORTED_MEDIA_TYPE",
        details: { contentType: type },
      });
      expect(r.body.error).toMatch(/application\/json/);
    }
    const list = await call("GET", WS);
    expect(list.body.integrations.map((i: { alias: string }) => i.alias)).not.toContain(
      "typed_415",
    );
  });

  it("JSON types are accepted: application/json with a charset, +json, and no Content-Type", async () => {
    const a = await call("POST", WS, undefined, {
      raw: JSON.stringify({ integrationName: "kv-store", alias: "typed_a" }),
      headers: { "content-type": "Application/JSON; charset=UTF-8" },
    });
    expect(a.status).toBe(201);
    const b = await call("POST", WS, undefined, {
      raw: JSON.stringify({ integrationName: "kv-store", alias: "typed_b" }),
      headers: { "content-type": "application/merge-patch+json" },
    });
    expect(b.status).toBe(201);
  });

  it("every error body has error, code and details", async () => {
    const bad = [
      await call("GET", "/api/v1/workspaces", undefined, { key: null }),
      await call("GET", "/api/v1/nope"),
      await call("GET", "/nope"),
      await call("PUT", WS),
      await call("GET", `${WS.replace(DEMO.workspaceId, "missing")}`),
      await call("POST", WS, undefined, { raw: "{not json" }),
      await call("POST", WS, { integrationName: "kv-store", alias: "Bad Alias" }),
      await call("DELETE", `${WS}/missing`),
      await call("GET", "/api/v1/workspaces/%E0%A4%A"),
    ];
    for (const r of bad) {
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(Object.keys(r.body).sort(), r.text).toEqual(["code", "details", "error"]);
      expect(typeof r.body.details).toBe("object");
    }
  });
});

describe("a refused request moves nothing", () => {
  it("a DELETE of a missing id leaves the change marker alone (found by the fuzz suite)", async () => {
    const before = env.local.store.changeSeq();
    const r = await call("DELETE", `${WS}/00000000-0000-4000-8000-00000000dead`);
    expect(r.status).toBe(404);
    expect(env.local.store.changeSeq()).toBe(before);
    // A real change still moves it.
    await createKv("marker_moves");
    expect(env.local.store.changeSeq()).toBe(before + 1);
  });
});
