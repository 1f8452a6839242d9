/**
 * Issue 23.5: sessions and streams belong to a token (its digest and limit), not to its line
 * in the tokens file; a reload closes what removed or narrowed tokens still hold open; an
 * OAuth token without `sub` can never ride a user's session. The tokens-file cases run the
 * real CLI (SIGHUP is wired there) and speak raw Streamable HTTP with undici; the OAuth case
 * runs our HTTP transport with the real JWT verifier against a local test issuer.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWeavzClient } from "../../src/api/client.js";
import { silentLogger } from "../../src/log.js";
import { createServerFactory } from "../../src/mcp/server.js";
import { createAuthGate } from "../../src/transports/auth/gate.js";
import { nodeAuthenticate } from "../../src/transports/auth/index.js";
import { jwtVerifier } from "../../src/transports/auth/oauth.js";
import type { HttpHandle } from "../../src/transports/http.js";
import { type Cli, startMcpHttpCli, tempDir, useCliProcesses } from "../helpers/cli.js";
import { startTestIssuer, type TestIssuer } from "../helpers/issuer.js";
import { initializeRequest, MCP_POST_HEADERS } from "../helpers/jsonrpc.js";
import { startTestLocalApi, type TestLocalApi } from "../helpers/local-api.js";
import { DEMO_WS, serveOverHttp } from "../helpers/mcp.js";

const ALICE = "alice-0c4d9e2b7a1f5e3c8d6b";
const BOB = "bob-6f2a8c1e4d7b3a9f0e5c";

/** POSTs one JSON-RPC message; the status and the session id the server gave. */
async function post(url: string, body: unknown, headers: Record<string, string>) {
  const r = await request(url, {
    method: "POST",
    headers: { ...MCP_POST_HEADERS, "mcp-protocol-version": "2025-11-25", ...headers },
    body: JSON.stringify(body),
  });
  await r.body.text();
  return { status: r.statusCode, session: r.headers["mcp-session-id"] as string | undefined };
}

/** A 2025 session opened with TOKEN: initialize, then initialized. */
async function openSession(url: string, token: string): Promise<string> {
  const auth = { authorization: `Bearer ${token}` };
  const init = await post(url, initializeRequest(), auth);
  expect(init.status).toBe(200);
  const session = init.session as string;
  await post(
    url,
    { jsonrpc: "2.0", method: "notifications/initialized" },
    { ...auth, "mcp-session-id": session },
  );
  return session;
}

const PING = { jsonrpc: "2.0", id: 7, method: "ping" };
const ping = (url: string, token: string, session: string) =>
  post(url, PING, { authorization: `Bearer ${token}`, "mcp-session-id": session });

describe("tokens file: sessions follow the token, and a reload closes what it no longer allows", () => {
  useCliProcesses();
  let local: TestLocalApi;
  let file: string;
  let url: string;
  let cli: Cli;

  /** Waits until stderr holds TEXT at least TIMES times (the reload's own log line). */
  const logged = async (text: string, times: number) => {
    while (cli.stderr().split(text).length - 1 < times) await new Promise((r) => setTimeout(r, 25));
  };

  beforeAll(async () => {
    local = await startTestLocalApi({ demo: true });
    file = join(tempDir("weavz-principals-"), "tokens");
    writeFileSync(file, `${ALICE} name=alice\n${BOB} name=bob\n`, { mode: 0o600 });
    cli = await startMcpHttpCli(["--auth", "bearer", "--tokens-file", file], local);
    url = cli.url;
  }, 30_000);
  afterAll(async () => {
    cli?.child.kill("SIGTERM");
    await local?.close();
  });

  it("reordering the file keeps each session with its own token", async () => {
    const alices = await openSession(url, ALICE);
    writeFileSync(file, `${BOB} name=bob\n${ALICE} name=alice\n`);
    cli.child.kill("SIGHUP");
    await logged("2 token(s)", 2);
    expect((await ping(url, BOB, alices)).status).toBe(404);
    expect((await ping(url, ALICE, alices)).status).toBe(200);
  });

  it("removing a token closes its open GET stream; narrowing one ends its session", async () => {
    const alices = await openSession(url, ALICE);
    const bobs = await openSession(url, BOB);
    const stream = await request(url, {
      method: "GET",
      headers: {
        accept: "text/event-stream",
        authorization: `Bearer ${ALICE}`,
        "mcp-session-id": alices,
        "mcp-protocol-version": "2025-11-25",
      },
    });
    expect(stream.statusCode).toBe(200);
    const ended = stream.body.text().then(
      () => "ended",
      () => "ended",
    );
    writeFileSync(file, `${BOB} name=bob workspaces=${DEMO_WS}\n`);
    cli.child.kill("SIGHUP");
    // The event: the server ends alice's stream (before the fix it stayed open for good).
    expect(await ended).toBe("ended");
    expect((await ping(url, ALICE, alices)).status).toBe(401);
    // Bob's limit changed: the session opened under the wider one is gone.
    expect((await ping(url, BOB, bobs)).status).toBe(404);
    expect(cli.stderr()).toMatch(/closed \d+ session\(s\) or stream\(s\)/);
  });
});

describe("OAuth: a client_id never equals a user's sub", () => {
  let local: TestLocalApi;
  let issuer: TestIssuer;
  let http: HttpHandle;
  let api: ReturnType<typeof createWeavzClient>;
  beforeAll(async () => {
    [local, issuer] = await Promise.all([startTestLocalApi({ demo: true }), startTestIssuer()]);
    api = createWeavzClient({ baseUrl: local.url, apiKey: local.apiKey, log: silentLogger });
    let gate: ReturnType<typeof createAuthGate> | undefined;
    gate = createAuthGate({
      verifier: jwtVerifier({
        issuer: issuer.issuer,
        audience: () => (gate as ReturnType<typeof createAuthGate>).resourceUrl(),
        requiredScopes: [],
        log: silentLogger,
      }),
      authorizationServer: issuer.issuer,
      log: silentLogger,
    });
    http = await serveOverHttp(createServerFactory({ api, log: silentLogger }), {
      authenticate: nodeAuthenticate(gate),
    });
    gate.listening(http.url);
  });
  afterAll(async () => {
    await http?.close();
    await api?.close();
    await Promise.all([local?.close(), issuer?.close()]);
  });

  it("refuses a subject-less token whose client_id is another user's sub on that user's session", async () => {
    const user = await issuer.mint({ aud: http.url, sub: "alice", client_id: "web-app" });
    const session = await openSession(http.url, user);
    const impostor = await issuer.mint({ aud: http.url, client_id: "alice" });
    expect((await ping(http.url, impostor, session)).status).toBe(404);
    // Alice's own, refreshed token keeps her session.
    const refreshed = await issuer.mint({ aud: http.url, sub: "alice", client_id: "web-app" });
    expect((await ping(http.url, refreshed, session)).status).toBe(200);
  });
});
