import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { activeCodeRuns } from "../../src/local/execute/javascript.js";
import { issue, useLocalApi } from "../helpers/local-api.js";

const SCOPED_KEY = "wvz_scoped_0123456789abcdefghijklmn";
// The http tests' echo server is on loopback, which the http built-in refuses unless allowed
// (test/local/http-guard.test.ts holds the refusal itself).
const env = useLocalApi({
  demo: false,
  extraKeys: [{ key: SCOPED_KEY, workspaceIds: ["ws-scoped"] }],
  httpAllow: [{ host: "127.0.0.1" }],
});
const { call } = env;
const EXEC = "/api/v1/actions/execute";

let ws = "";
let other = "";
const integ = (w: string) => `/api/v1/workspaces/${w}/integrations`;

async function create(w: string, body: Record<string, unknown>) {
  const r = await call("POST", integ(w), body);
  expect(r.status, r.text).toBe(201);
  return r.body.integration as { id: string; alias: string };
}

async function connection(body: Record<string, unknown>) {
  const r = await call("POST", "/api/v1/connections", {
    type: "SECRET_TEXT",
    secretText: "s3cret",
    ...body,
  });
  expect(r.status, r.text).toBe(201);
  return r.body.connection as { id: string; externalId: string };
}

const exec = (body: Record<string, unknown>) => call("POST", EXEC, { workspaceId: ws, ...body });

beforeAll(async () => {
  ws = (await call("POST", "/api/v1/workspaces", { name: "Exec", slug: "exec" })).body.workspace.id;
  other = (await call("POST", "/api/v1/workspaces", { name: "Other", slug: "other" })).body
    .workspace.id;
  await create(ws, {
    integrationName: "kv-store",
    alias: "kv_ws",
    settings: { persistence: { scope: "workspace" } },
  });
  await create(ws, { integrationName: "kv-store", alias: "kv_user" }); // default scope end_user
  await create(ws, {
    integrationName: "kv-store",
    alias: "kv_ext",
    settings: { persistence: { scope: "external", externalId: "shared-1" } },
  });
  await create(ws, { integrationName: "code" });
  await create(other, {
    integrationName: "kv-store",
    alias: "kv_ext2",
    settings: { persistence: { scope: "external", externalId: "shared-1" } },
  });
});

describe("POST /actions/execute: resolution", () => {
  it("runs kv-store put/get by alias; answer is {success, output, duration}", async () => {
    const put = await exec({
      integrationName: "kv-store",
      actionName: "put",
      integrationAlias: "kv_ws",
      input: { key: "a", value: { n: 1 } },
    });
    expect(put.status, put.text).toBe(200);
    expect(Object.keys(put.body)).toEqual(["success", "output", "duration"]);
    expect(put.body.success).toBe(true);
    expect(typeof put.body.duration).toBe("number");
    const get = await exec({
      integrationName: "kv-store",
      actionName: "get",
      integrationAlias: "kv_ws",
      input: { key: "a" },
    });
    expect(get.body.output).toEqual({ key: "a", value: { n: 1 }, found: true });
  });

  it("AMBIGUOUS_INTEGRATION when configured more than once and neither id nor alias is given", async () => {
    const r = await exec({ integrationName: "kv-store", actionName: "get", input: { key: "a" } });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe("AMBIGUOUS_INTEGRATION");
    expect(r.body.details.candidates.map((c: { alias: string }) => c.alias).sort()).toEqual([
      "kv_ext",
      "kv_user",
      "kv_ws",
    ]);
  });

  it("by workspaceIntegrationId; mismatches and unknowns are named", async () => {
    const list = (await call("GET", integ(ws))).body.integrations as Array<{
      id: string;
      alias: string;
    }>;
    const kvWs = list.find((i) => i.alias === "kv_ws");
    const byId = await exec({
      integrationName: "kv-store",
      actionName: "get",
      workspaceIntegrationId: kvWs?.id,
      input: { key: "a" },
    });
    expect(byId.status, byId.text).toBe(200);
    expect(byId.body.output.value).toEqual({ n: 1 });
    const both = await exec({
      integrationName: "kv-store",
      actionName: "get",
      workspaceIntegrationId: kvWs?.id,
      integrationAlias: "kv_user",
      input: { key: "a" },
    });
    expect(both.status).toBe(400);
    expect(issue(both.body, "integrationAlias")).toBeDefined();
    const wrongName = await exec({
      integrationName: "storage",
      actionName: "list_files",
      integrationAlias: "kv_ws",
    });
    expect(wrongName.status).toBe(400);
    expect(issue(wrongName.body, "integrationAlias")?.message).toContain("kv-store");
    const noAlias = await exec({
      integrationName: "kv-store",
      actionName: "get",
      integrationAlias: "nope",
      input: { key: "a" },
    });
    expect(noAlias.status).toBe(404);
    expect(noAlias.body.code).toBe("INTEGRATION_NOT_FOUND");
    const notConfigured = await exec({
      integrationName: "datetime",
      actionName: "parse_date",
      input: {},
    });
    expect(notConfigured.status).toBe(404);
    expect(notConfigured.body.code).toBe("INTEGRATION_NOT_FOUND");
    const notCatalog = await exec({ integrationName: "kv-stor", actionName: "get" });
    expect(notCatalog.body.code).toBe("INTEGRATION_NOT_FOUND");
    expect(notCatalog.body.details.suggestions).toContain("kv-store");
    const noAction = await exec({
      integrationName: "kv-store",
      actionName: "gett",
      integrationAlias: "kv_ws",
    });
    expect(noAction.status).toBe(404);
    expect(noAction.body.code).toBe("ACTION_NOT_FOUND");
    expect(noAction.body.details.actions).toContain("get");
    const noWs = await call("POST", EXEC, {
      workspaceId: "missing-ws",
      integrationName: "kv-store",
      actionName: "get",
    });
    expect(noWs.status).toBe(404);
  });

  it("request body validation names each field", async () => {
    const r = await call("POST", EXEC, { integrationName: 5, actionName: "get", extra: 1 });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe("VALIDATION_ERROR");
    for (const f of ["integrationName", "workspaceId", "extra"])
      expect(issue(r.body, f), f).toBeDefined();
  });

  it("input checked against the catalog: missing, wrong type, enum, unknown — each named", async () => {
    const r = await exec({
      integrationName: "kv-store",
      actionName: "put",
      integrationAlias: "kv_ws",
      input: { key: 5, colour: "red" },
    });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe("VALIDATION_ERROR");
    expect(issue(r.body, "input.key")?.message).toMatch(/string/);
    expect(issue(r.body, "input.value")?.message).toMatch(/required/);
    expect(issue(r.body, "input.colour")?.allowed).toEqual(["key", "value"]);
    await create(ws, { integrationName: "data-transformer" });
    const e = await exec({
      integrationName: "data-transformer",
      actionName: "merge_objects",
      input: { objects: [], strategy: "sideways" },
    });
    expect(issue(e.body, "input.strategy")?.allowed).toEqual(["deep", "shallow", "first", "last"]);
  });

  it("enabledActions enforced: ACTION_NOT_ALLOWED", async () => {
    await create(ws, {
      integrationName: "storage",
      alias: "files_ro",
      enabledActions: ["read_file", "list_files"],
      settings: { persistence: { scope: "workspace" } },
    });
    const r = await exec({
      integrationName: "storage",
      actionName: "write_file",
      integrationAlias: "files_ro",
      input: { path: "a.txt", content: "x" },
    });
    expect(r.status).toBe(403);
    expect(r.body.code).toBe("ACTION_NOT_ALLOWED");
    expect(r.body.details.enabledActions).toEqual(["read_file", "list_files"]);
    const ok = await exec({
      integrationName: "storage",
      actionName: "list_files",
      integrationAlias: "files_ro",
    });
    expect(ok.status, ok.text).toBe(200);
  });
});

describe("connection strategies (third-party actions answer INTEGRATION_UNAVAILABLE naming the connection)", () => {
  let pinned: { id: string; externalId: string };
  beforeAll(async () => {
    pinned = await connection({
      integrationName: "slack",
      externalId: "team_bot",
      displayName: "Team bot",
    });
    await connection({
      integrationName: "slack",
      externalId: "alice_slack",
      displayName: "Alice",
      scope: "USER",
      endUserId: "alice",
      workspaceId: ws,
    });
    await call("POST", "/api/v1/end-users", { workspaceId: ws, externalId: "alice" });
    await create(ws, { integrationName: "slack", alias: "slack_fixed", connectionId: pinned.id });
    await create(ws, {
      integrationName: "slack",
      alias: "slack_user",
      connectionStrategy: "per_user",
    });
    await create(ws, {
      integrationName: "slack",
      alias: "slack_fb",
      connectionStrategy: "per_user_with_fallback",
      connectionId: pinned.id,
    });
  });
  const send = (alias: string, extra: Record<string, unknown> = {}) =>
    exec({
      integrationName: "slack",
      actionName: "send_channel_message",
      integrationAlias: alias,
      input: { channel: "C1", text: "hi" },
      ...extra,
    });

  it("fixed → the pinned connection", async () => {
    const r = await send("slack_fixed", { endUserId: "alice" });
    expect(r.status).toBe(501);
    expect(r.body.code).toBe("INTEGRATION_UNAVAILABLE");
    expect(r.body.details.connection.externalId).toBe("team_bot");
    expect(r.body.details.connectionSource).toBe("fixed");
    expect(r.body.error).toContain("Team bot");
    expect(r.text).not.toContain("s3cret");
  });

  it("per_user → the end user's own; none → 400 CONNECTION_REQUIRED", async () => {
    const own = await send("slack_user", { endUserId: "alice" });
    expect(own.body.details.connection.externalId).toBe("alice_slack");
    expect(own.body.details.connectionSource).toBe("end_user");
    const none = await send("slack_user", { endUserId: "bob" });
    expect(none.status).toBe(400);
    expect(none.body.code).toBe("CONNECTION_REQUIRED");
    expect(none.body.details).toMatchObject({
      alias: "slack_user",
      endUserId: "bob",
      strategy: "per_user",
    });
    const anon = await send("slack_user");
    expect(anon.body.code).toBe("CONNECTION_REQUIRED");
    expect(anon.body.error).toContain("endUserId");
  });

  it("per_user_with_fallback → own, else the pinned one", async () => {
    const own = await send("slack_fb", { endUserId: "alice" });
    expect(own.body.details.connection.externalId).toBe("alice_slack");
    const fb = await send("slack_fb", { endUserId: "bob" });
    expect(fb.body.details.connection.externalId).toBe("team_bot");
    expect(fb.body.details.connectionSource).toBe("fallback");
  });

  it("connectionExternalId picks a connection; under per_user only the caller's own", async () => {
    const r = await send("slack_fb", { connectionExternalId: "alice_slack" });
    expect(r.body.details.connection.externalId).toBe("alice_slack");
    const denied = await send("slack_user", {
      endUserId: "bob",
      connectionExternalId: "alice_slack",
    });
    expect(denied.status).toBe(403);
    const missing = await send("slack_fixed", { connectionExternalId: "nope" });
    expect(missing.body.code).toBe("CONNECTION_NOT_FOUND");
  });

  it("input is validated before answering INTEGRATION_UNAVAILABLE", async () => {
    const r = await exec({
      integrationName: "slack",
      actionName: "send_channel_message",
      integrationAlias: "slack_fixed",
      input: {},
    });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe("VALIDATION_ERROR");
  });

  it("end users: get with their connections, delete with them", async () => {
    const u = (await call("POST", "/api/v1/end-users", { workspaceId: ws, externalId: "carol" }))
      .body.endUser;
    await connection({
      integrationName: "slack",
      externalId: "carol_slack",
      displayName: "Carol",
      scope: "USER",
      endUserId: "carol",
      workspaceId: ws,
    });
    expect(
      (await send("slack_user", { endUserId: "carol" })).body.details.connection.externalId,
    ).toBe("carol_slack");
    const got = await call("GET", `/api/v1/end-users/${u.id}`);
    expect(got.body.endUser.externalId).toBe("carol");
    expect(got.body.connections.map((c: { externalId: string }) => c.externalId)).toEqual([
      "carol_slack",
    ]);
    const del = await call("DELETE", `/api/v1/end-users/${u.id}`);
    expect(del.body).toEqual({ deleted: true, id: u.id });
    expect((await call("GET", `/api/v1/end-users/${u.id}`)).status).toBe(404);
    expect((await send("slack_user", { endUserId: "carol" })).body.code).toBe(
      "CONNECTION_REQUIRED",
    );
  });
});

describe("built-ins run for real", () => {
  it("persistence scopes isolate data: workspace, end_user (per user), external (across workspaces)", async () => {
    const put = (alias: string, value: unknown, extra: Record<string, unknown> = {}, w = ws) =>
      call("POST", EXEC, {
        workspaceId: w,
        integrationName: "kv-store",
        actionName: "put",
        integrationAlias: alias,
        input: { key: "k", value },
        ...extra,
      });
    const get = async (alias: string, extra: Record<string, unknown> = {}, w = ws) =>
      (
        await call("POST", EXEC, {
          workspaceId: w,
          integrationName: "kv-store",
          actionName: "get",
          integrationAlias: alias,
          input: { key: "k" },
          ...extra,
        })
      ).body;
    expect((await put("kv_ws", "workspace")).status).toBe(200);
    expect((await put("kv_user", "alice's", { endUserId: "alice" })).status).toBe(200);
    expect((await put("kv_user", "bob's", { endUserId: "bob" })).status).toBe(200);
    expect((await put("kv_ext", "shared")).status).toBe(200);
    expect((await get("kv_ws")).output.value).toBe("workspace");
    expect((await get("kv_user", { endUserId: "alice" })).output.value).toBe("alice's");
    expect((await get("kv_user", { endUserId: "bob" })).output.value).toBe("bob's");
    expect((await get("kv_user", { endUserId: "dave" })).output).toEqual({
      key: "k",
      value: null,
      found: false,
    });
    expect((await get("kv_ext2", {}, other)).output.value).toBe("shared");
    const needsUser = await get("kv_user");
    expect(needsUser.code).toBe("VALIDATION_ERROR");
    expect(issue(needsUser, "endUserId")?.message).toContain("end_user");
  });

  it("kv-store lists and delete", async () => {
    const run = (actionName: string, input: Record<string, unknown>) =>
      exec({ integrationName: "kv-store", actionName, integrationAlias: "kv_ws", input });
    await run("add_to_list", { key: "l", value: 1 });
    await run("add_to_list", { key: "l", value: { a: 2 } });
    expect((await run("add_to_list", { key: "l", value: 1 })).body.output.value).toEqual([
      1,
      { a: 2 },
      1,
    ]);
    expect((await run("remove_from_list", { key: "l", value: 1 })).body.output.value).toEqual([
      { a: 2 },
    ]);
    const notList = await run("add_to_list", { key: "a", value: 1 });
    expect(notList.status).toBe(400);
    expect(notList.body.code).toBe("ACTION_FAILED");
    expect((await run("delete", { key: "l" })).body.output).toEqual({ key: "l", deleted: true });
    expect((await run("get", { key: "l" })).body.output.found).toBe(false);
  });

  it("storage: write, read (utf8/base64), list, download URL, delete; bad paths refused", async () => {
    await create(ws, {
      integrationName: "storage",
      alias: "files",
      settings: { persistence: { scope: "workspace" } },
    });
    const run = (actionName: string, input: Record<string, unknown>) =>
      exec({ integrationName: "storage", actionName, integrationAlias: "files", input });
    expect(
      (await run("write_file", { path: "docs/a.txt", content: "héllo", contentType: "text/plain" }))
        .body.output,
    ).toEqual({ path: "docs/a.txt", size: 6, contentType: "text/plain" });
    await run("write_file", {
      path: "b.bin",
      content: Buffer.from([0, 1, 2]).toString("base64"),
      contentEncoding: "base64",
    });
    expect((await run("read_file", { path: "docs/a.txt" })).body.output.content).toBe("héllo");
    expect(
      (await run("read_file", { path: "b.bin", outputEncoding: "base64" })).body.output.content,
    ).toBe("AAEC");
    expect(
      (await run("list_files", { prefix: "docs/" })).body.output.files.map(
        (f: { path: string }) => f.path,
      ),
    ).toEqual(["docs/a.txt"]);
    expect((await run("get_download_url", { path: "docs/a.txt" })).body.output.url).toBe(
      `data:text/plain;base64,${Buffer.from("héllo").toString("base64")}`,
    );
    expect((await run("delete_file", { path: "docs/a.txt" })).body.output.deleted).toBe(true);
    const gone = await run("read_file", { path: "docs/a.txt" });
    expect(gone.body.code).toBe("ACTION_FAILED");
    expect((await run("read_file", { path: "../etc/passwd" })).body.code).toBe("ACTION_FAILED");
    // files_ro (same workspace scope) sees the same store; the kv data is elsewhere.
    expect(
      (
        await exec({
          integrationName: "storage",
          actionName: "read_file",
          integrationAlias: "files_ro",
          input: { path: "b.bin", outputEncoding: "base64" },
        })
      ).body.output.content,
    ).toBe("AAEC");
  });

  it("data-transformer", async () => {
    const run = (actionName: string, input: Record<string, unknown>) =>
      exec({ integrationName: "data-transformer", actionName, input });
    expect(
      (
        await run("transform_json", {
          input: { user: { name: "Ann", tags: ["x"] } },
          mapping: { who: "user.name", first: "user.tags.0", fixed: 3 },
        })
      ).body.output.result,
    ).toEqual({ who: "Ann", first: "x", fixed: 3 });
    expect(
      (
        await run("merge_objects", {
          objects: [{ a: { b: 1 } }, { a: { c: 2 } }],
          strategy: "deep",
        })
      ).body.output.result,
    ).toEqual({ a: { b: 1, c: 2 } });
    expect(
      (await run("merge_objects", { objects: [{ a: 1 }, { a: 2 }], strategy: "first" })).body.output
        .result,
    ).toEqual({ a: 1 });
    expect(
      (
        await run("filter_array", {
          array: [{ n: 1 }, { n: 5 }, { n: 9 }],
          conditions: [{ field: "n", operator: "gt", value: 3 }],
        })
      ).body.output.result,
    ).toEqual([{ n: 5 }, { n: 9 }]);
    expect(
      (await run("batch_array", { array: [1, 2, 3, 4, 5], batchSize: 2 })).body.output.batches,
    ).toEqual([[1, 2], [3, 4], [5]]);
  });

  it("hash-encode", async () => {
    await create(ws, { integrationName: "hash-encode" });
    const run = (actionName: string, input: Record<string, unknown>) =>
      exec({ integrationName: "hash-encode", actionName, input });
    expect(
      (await run("hash", { text: "abc", algorithm: "sha256", encoding: "hex" })).body.output.hash,
    ).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect((await run("encode", { text: "a b/é", encoding: "url" })).body.output.encoded).toBe(
      "a%20b%2F%C3%A9",
    );
    expect((await run("decode", { encoded: "aGk=", encoding: "base64" })).body.output.text).toBe(
      "hi",
    );
    expect((await run("decode", { encoded: "abc", encoding: "hex" })).body.code).toBe(
      "ACTION_FAILED",
    );
    const uuids = (await run("generate_uuid", { count: 3 })).body.output.uuids;
    expect(new Set(uuids).size).toBe(3);
  });

  it("code runs JavaScript in the sandbox; advanced-code past its timeout is stopped and reported", async () => {
    await create(ws, {
      integrationName: "advanced-code",
      settings: { advancedCode: { timeoutSeconds: 1 } },
    });
    const r = await exec({
      integrationName: "code",
      actionName: "run_code",
      input: {
        code: "export const code = async (inputs) => { console.log('hi', inputs.n); return inputs.n * 2; };",
        inputs: { n: 21 },
      },
    });
    expect(r.status, r.text).toBe(200);
    expect(r.body.output).toEqual({ result: 42, logs: ["hi 21"] });
    const body = await exec({
      integrationName: "code",
      actionName: "run_code",
      input: { code: "return typeof process + ' ' + typeof require + ' ' + typeof fetch;" },
    });
    expect(body.body.output.result).toBe("undefined undefined undefined");
    const thrown = await exec({
      integrationName: "code",
      actionName: "run_code",
      input: { code: "throw new TypeError('nope')" },
    });
    expect(thrown.body.code).toBe("ACTION_FAILED");
    expect(thrown.body.error).toContain("TypeError: nope");
    const started = Date.now();
    const loop = await exec({
      integrationName: "advanced-code",
      actionName: "run_code",
      input: { language: "javascript", code: "while (true) {}" },
    });
    expect(loop.status).toBe(400);
    expect(loop.body.code).toBe("ACTION_FAILED");
    // Stopped by the integration's own 1 s deadline (the answer says which), not by the default
    // 30 s one, which would run past the test's timeout: no upper bound on elapsed time needed.
    expect(loop.body.details).toMatchObject({ reason: "timeout", timeoutSeconds: 1 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    const py = await exec({
      integrationName: "advanced-code",
      actionName: "run_code",
      input: { language: "python", code: "print(1)" },
    });
    expect(py.status).toBe(501);
    expect(py.body.code).toBe("INTEGRATION_UNAVAILABLE");
  });

  it("a code run stops when its caller goes away", async () => {
    const { request } = await import("undici");
    // Workers of earlier tests end asynchronously after terminate(): start from none.
    await vi.waitFor(() => expect(activeCodeRuns()).toBe(0), { timeout: 10_000 });
    const controller = new AbortController();
    const pending = request(`${env.local.url}${EXEC}`, {
      method: "POST",
      headers: { authorization: `Bearer ${env.local.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({
        workspaceId: ws,
        integrationName: "code",
        actionName: "run_code",
        input: { code: "while (true) {}" },
      }),
      signal: controller.signal,
    }).catch(() => undefined);
    await vi.waitFor(() => expect(activeCodeRuns()).toBe(1), { timeout: 10_000 });
    controller.abort();
    await pending;
    // The code's own timeout is 30 s: ending within 10 s means the disconnect stopped it.
    await vi.waitFor(() => expect(activeCodeRuns()).toBe(0), { timeout: 10_000 });
  }, 30_000);

  it("code past its memory limit is stopped and reported", async () => {
    const r = await exec({
      integrationName: "code",
      actionName: "run_code",
      input: { code: "const a = []; for (;;) a.push(new Array(1e6).fill(1));" },
    });
    expect(r.body.code).toBe("ACTION_FAILED");
    expect(r.body.details.reason).toBe("memory");
  }, 20_000);
});

describe("http makes real requests", () => {
  let server: Server;
  let origin = "";
  beforeAll(async () => {
    server = createServer((req, res) => {
      const sized = /^\/size\/(\d+)$/.exec(req.url ?? "");
      if (sized) {
        res.writeHead(200, { "content-type": "text/plain" });
        res.end(Buffer.alloc(Number(sized[1]), "a"));
      } else if (req.url?.startsWith("/big")) {
        res.writeHead(200, { "content-type": "application/octet-stream" });
        res.end(Buffer.alloc(6 * 1024 * 1024));
      } else if (req.url?.startsWith("/slow")) {
        setTimeout(() => res.end("late"), 3000).unref();
      } else if (req.url?.startsWith("/fail")) {
        res.writeHead(503, { "content-type": "application/json" });
        res.end('{"down":true}');
      } else {
        let body = "";
        req.on("data", (d) => (body += d));
        req.on("end", () => {
          res.writeHead(200, { "content-type": "application/json" });
          res.end(
            JSON.stringify({
              method: req.method,
              url: req.url,
              auth: req.headers.authorization ?? null,
              body,
            }),
          );
        });
      }
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await create(ws, { integrationName: "http" });
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });
  const send = (input: Record<string, unknown>) =>
    exec({
      integrationName: "http",
      actionName: "send_request",
      input: { method: "GET", headers: {}, queryParams: {}, authType: "NONE", ...input },
    });

  it("sends method, query, auth and a JSON body; parses the JSON answer", async () => {
    const r = await send({
      method: "POST",
      url: `${origin}/echo`,
      queryParams: { q: "1" },
      authType: "BEARER_TOKEN",
      authFields: { token: "t0k" },
      body: { a: 1 },
    });
    expect(r.status, r.text).toBe(200);
    expect(r.body.output.status).toBe(200);
    expect(r.body.output.body).toEqual({
      method: "POST",
      url: "/echo?q=1",
      auth: "Bearer t0k",
      body: '{"a":1}',
    });
  });

  it("reads a response of exactly 5 MiB, and refuses one byte more", async () => {
    const limit = 5 * 1024 * 1024;
    const at = await send({ url: `${origin}/size/${limit}` });
    expect(at.status, at.text.slice(0, 300)).toBe(200);
    expect(at.body.output.body).toHaveLength(limit);
    const over = await send({ url: `${origin}/size/${limit + 1}` });
    expect(over.body.code).toBe("ACTION_FAILED");
    expect(over.body.details).toMatchObject({ reason: "response_too_large", limitBytes: limit });
    expect(over.body.error).toMatch(/larger than 5 MiB/);
  });

  it("response size limit, timeout and error statuses are ACTION_FAILED with a reason", async () => {
    const big = await send({ url: `${origin}/big` });
    expect(big.body.code).toBe("ACTION_FAILED");
    expect(big.body.details.reason).toBe("response_too_large");
    const slow = await send({ url: `${origin}/slow`, timeout: 1 });
    expect(slow.body.details.reason).toBe("timeout");
    const fail = await send({ url: `${origin}/fail` });
    expect(fail.body.details).toMatchObject({
      reason: "http_status",
      response: { status: 503, body: { down: true } },
    });
    const cont = await send({ url: `${origin}/fail`, failureMode: "continue_all" });
    expect(cont.body.output.status).toBe(503);
    const bad = await send({ url: "file:///etc/passwd" });
    expect(bad.body.code).toBe("ACTION_FAILED");
  });
});

describe("idempotencyKey", () => {
  it("replays the first result instead of running again; another request with the key is refused", async () => {
    const body = {
      integrationName: "kv-store",
      actionName: "add_to_list",
      integrationAlias: "kv_ws",
      input: { key: "idem", value: "x" },
      idempotencyKey: "req-1",
    };
    const first = await exec(body);
    const again = await exec(body);
    expect(again.body).toEqual(first.body);
    const get = await exec({
      integrationName: "kv-store",
      actionName: "get",
      integrationAlias: "kv_ws",
      input: { key: "idem" },
    });
    expect(get.body.output.value).toEqual(["x"]);
    const concurrent = await Promise.all(
      [1, 2, 3].map(() => exec({ ...body, idempotencyKey: "req-2" })),
    );
    expect(new Set(concurrent.map((r) => JSON.stringify(r.body))).size).toBe(1);
    expect(
      (
        await exec({
          integrationName: "kv-store",
          actionName: "get",
          integrationAlias: "kv_ws",
          input: { key: "idem" },
        })
      ).body.output.value,
    ).toEqual(["x", "x"]);
    const reused = await exec({ ...body, input: { key: "idem", value: "y" } });
    expect(reused.status).toBe(400);
    expect(issue(reused.body, "idempotencyKey")).toBeDefined();
  });

  it("running an action does not move the configuration change marker", async () => {
    const before = env.local.store.changeSeq();
    await exec({
      integrationName: "kv-store",
      actionName: "put",
      integrationAlias: "kv_ws",
      input: { key: "m", value: 1 },
    });
    expect(env.local.store.changeSeq()).toBe(before);
  });

  it("a scoped key executes only in its workspaces (403 SCOPE_DENIED elsewhere)", async () => {
    env.local.store.workspaces.insert("Scoped", "scoped", "ws-scoped");
    const body = { integrationName: "kv-store", actionName: "get", input: { key: "a" } };
    const denied = await call(
      "POST",
      EXEC,
      { workspaceId: ws, integrationAlias: "kv_ws", ...body },
      { key: SCOPED_KEY },
    );
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe("SCOPE_DENIED");
    const own = await call(
      "POST",
      EXEC,
      { workspaceId: "ws-scoped", ...body },
      { key: SCOPED_KEY },
    );
    expect(own.body.code).toBe("INTEGRATION_NOT_FOUND");
  });
});
