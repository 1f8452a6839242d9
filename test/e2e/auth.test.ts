import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  Client as ModernClient,
  StreamableHTTPClientTransport as ModernHttp,
} from "@modelcontextprotocol/client";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  type Cli,
  spawnCli,
  startMcpHttpCli,
  stopCli,
  tempDir,
  useCliProcesses,
} from "../helpers/cli.js";
import { startTestIssuer, type TestIssuer } from "../helpers/issuer.js";
import { initializeRequest, MCP_POST_HEADERS } from "../helpers/jsonrpc.js";
import { startTestLocalApi, type TestLocalApi } from "../helpers/local-api.js";
import { DEMO_WS, textOf } from "../helpers/mcp.js";

const OTHER_WS = "0ther000-0000-4000-8000-000000000001";
const ALICE = "alice-7d1c0f5e9b2a4c68a1e3";
const BOB = "bob-4e8a2d6c1f3b5a7e9c0d";
const CAROL = "carol-93b1e7a05c2d4f68b7e1";

/** A real SDK client over HTTP that sends `token` as its bearer token. */
async function connectWithToken(url: string, token: string) {
  const client = new Client({ name: "auth-test", version: "1" });
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
  });
  await client.connect(transport);
  const call = async (name: string, args: Record<string, unknown> = {}) =>
    (await client.callTool({ name, arguments: args })) as CallToolResult & {
      structuredContent?: Record<string, any>;
    };
  return { client, call, sessionId: () => transport.sessionId as string };
}

/** The same with the v2 SDK client pinned to the 2026-07-28 era (stateless, no initialize). */
async function connectModernWithToken(url: string, token: string | undefined) {
  const client = new ModernClient(
    { name: "auth-test-2026", version: "1" },
    { versionNegotiation: { mode: { pin: "2026-07-28" } } },
  );
  await client.connect(
    new ModernHttp(new URL(url), {
      requestInit: { headers: token ? { authorization: `Bearer ${token}` } : {} },
    }),
  );
  const call = async (name: string, args: Record<string, unknown> = {}) =>
    (await client.callTool({ name, arguments: args })) as CallToolResult & {
      structuredContent?: Record<string, any>;
    };
  return { client, call };
}

const INIT = initializeRequest();
const DISCOVER = { jsonrpc: "2.0", id: 1, method: "server/discover", params: {} };

/** POSTs a JSON-RPC message to the endpoint; returns status, challenge and body. */
async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await request(url, {
    method: "POST",
    headers: { ...MCP_POST_HEADERS, ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.body.text();
  return {
    status: res.statusCode,
    challenge: String(res.headers["www-authenticate"] ?? ""),
    body: text,
  };
}

/** The resource_metadata URL a 401/403 challenge names. */
const metadataOf = (challenge: string) => /resource_metadata="([^"]+)"/.exec(challenge)?.[1];

describe("HTTP auth: bearer tokens from a file (spawned CLI)", () => {
  useCliProcesses();
  let local: TestLocalApi;
  let mcp: Cli;
  let file: string;
  let lines: string[];
  beforeAll(async () => {
    local = await startTestLocalApi({ demo: true });
    local.store.workspaces.insert("Other Team", "other", OTHER_WS);
    file = join(tempDir("weavz-auth-"), "tokens");
    lines = [
      "# team tokens: alice everywhere, bob (as a digest) only in the demo workspace",
      `${ALICE} name=alice`,
      `sha256:${createHash("sha256").update(BOB).digest("hex")} name=bob workspaces=${DEMO_WS}`,
    ];
    writeFileSync(file, lines.join("\n"), { mode: 0o644 });
    mcp = await startMcpHttpCli(
      ["--auth", "bearer", "--tokens-file", file, "--log-level", "debug"],
      local,
    );
  }, 30_000);
  afterAll(async () => {
    if (mcp) await stopCli(mcp);
    await local?.close();
  });

  it("answers an unauthenticated discover probe or initialize with 401 and the metadata URL", async () => {
    for (const body of [DISCOVER, INIT]) {
      const r = await post(mcp.url, body);
      expect(r.status).toBe(401);
      expect(metadataOf(r.challenge)).toBe(
        mcp.url.replace("/mcp", "/.well-known/oauth-protected-resource/mcp"),
      );
    }
    const wrong = await post(mcp.url, INIT, { authorization: "Bearer not-a-valid-token-at-all" });
    expect(wrong.status).toBe(401);
    expect(wrong.challenge).toMatch(/^Bearer error="invalid_token", .*resource_metadata="/);
    // The metadata is public and names this resource.
    const prm = await request(metadataOf(wrong.challenge) as string);
    expect(prm.statusCode).toBe(200);
    expect(await prm.body.json()).toMatchObject({
      resource: mcp.url,
      bearer_methods_supported: ["header"],
    });
  });

  it("keeps Host/Origin protection ahead of auth: a foreign Origin gets 403 even with a good token", async () => {
    const r = await post(mcp.url, INIT, {
      authorization: `Bearer ${ALICE}`,
      origin: "https://evil.example",
    });
    expect(r.status).toBe(403);
    expect(r.challenge).toBe("");
  });

  it("lets a plain-line token use every workspace through a real MCP client", async () => {
    const { client, call, sessionId } = await connectWithToken(mcp.url, ALICE);
    const ws = await call("list_workspaces");
    expect(ws.structuredContent?.workspaces.map((w: any) => w.id).sort()).toEqual(
      [DEMO_WS, OTHER_WS].sort(),
    );
    const other = await call("list_workspace_integrations", { workspaceId: OTHER_WS });
    expect(other.isError, textOf(other)).toBeFalsy();
    // The session is alice's: another valid token cannot ride on its id.
    const ping = { jsonrpc: "2.0", id: 9, method: "ping" };
    const session = { "mcp-session-id": sessionId(), "mcp-protocol-version": "2025-11-25" };
    const stolen = await post(mcp.url, ping, { ...session, authorization: `Bearer ${BOB}` });
    expect(stolen.status).toBe(404);
    const own = await post(mcp.url, ping, { ...session, authorization: `Bearer ${ALICE}` });
    expect(own.status).toBe(200);
    await client.close();
  });

  it("limits a sha256-line token to its workspaces: tools, resources and subscriptions", async () => {
    const { client, call } = await connectWithToken(mcp.url, BOB);
    const ws = await call("list_workspaces");
    expect(ws.structuredContent?.workspaces.map((w: any) => w.id)).toEqual([DEMO_WS]);
    expect(ws.structuredContent?.total).toBe(1);

    const created = await call("create_workspace_integration", {
      workspaceId: DEMO_WS,
      integrationName: "kv-store",
    });
    expect(created.isError, textOf(created)).toBeFalsy();

    const denied = await call("create_workspace_integration", {
      workspaceId: OTHER_WS,
      integrationName: "kv-store",
    });
    expect(denied.isError).toBe(true);
    expect(textOf(denied)).toContain(
      `SCOPE_DENIED: the token this client uses may not reach workspace "${OTHER_WS}". It may use: ${DEMO_WS}.`,
    );
    expect(textOf(denied)).toContain("list_workspaces");
    // Refused before reaching the API: nothing was created there.
    expect(local.store.integrations.records(OTHER_WS)).toEqual([]);

    const list = await client.readResource({ uri: "weavz://workspaces" });
    const listed = JSON.parse((list.contents[0] as { text: string }).text);
    expect(listed.workspaces.map((w: any) => w.id)).toEqual([DEMO_WS]);
    const resources = await client.listResources();
    expect(resources.resources.map((r) => r.uri).some((u) => u.includes(OTHER_WS))).toBe(false);
    await expect(
      client.readResource({ uri: `weavz://workspaces/${OTHER_WS}/integrations` }),
    ).rejects.toThrow(/SCOPE_DENIED/);
    await expect(
      client.subscribeResource({ uri: `weavz://workspaces/${OTHER_WS}/integrations` }),
    ).rejects.toThrow(/SCOPE_DENIED/);
    const mine = await client.readResource({ uri: `weavz://workspaces/${DEMO_WS}/integrations` });
    expect((mine.contents[0] as { text: string }).text).toContain("kv-store");
    await client.close();
  });

  it("applies the same limit to a 2026-07-28 client, and refuses one without a token", async () => {
    const { client, call } = await connectModernWithToken(mcp.url, BOB);
    const ws = await call("list_workspaces");
    expect(ws.structuredContent?.workspaces.map((w: any) => w.id)).toEqual([DEMO_WS]);
    const denied = await call("list_workspace_integrations", { workspaceId: OTHER_WS });
    expect(textOf(denied)).toMatch(/SCOPE_DENIED.*list_workspaces/s);
    await expect(
      client.readResource({ uri: `weavz://workspaces/${OTHER_WS}/mcp-tools` }),
    ).rejects.toThrow(/SCOPE_DENIED/);
    // subscriptions/listen: the SDK honours URIs verbatim, so the transport checks them.
    await expect(
      client.listen({ resourceSubscriptions: [`weavz://workspaces/${OTHER_WS}/integrations`] }),
    ).rejects.toThrow(/SCOPE_DENIED/);
    const own = await client.listen({
      resourceSubscriptions: [`weavz://workspaces/${DEMO_WS}/integrations`],
    });
    await own.close();
    await client.close();
    await expect(connectModernWithToken(mcp.url, undefined)).rejects.toThrow(/401|Unauthorized/i);
  });

  it("re-reads the tokens file on SIGHUP, and keeps the old tokens when the new file is broken", async () => {
    // Waits for the log line (the event that the reload ran), to a generous deadline.
    const logged = async (text: string, times: number) => {
      await vi.waitFor(
        () => expect(mcp.stderr().split(text).length - 1).toBeGreaterThanOrEqual(times),
        { timeout: 20_000, interval: 20 },
      );
      expect(mcp.stderr().split(text).length - 1).toBe(times);
    };
    const status = async (token: string) =>
      (await post(mcp.url, INIT, { authorization: `Bearer ${token}` })).status;
    expect(await status(CAROL)).toBe(401);
    writeFileSync(file, [...lines, `${CAROL} name=carol`].join("\n"));
    mcp.child.kill("SIGHUP");
    await logged("3 token(s)", 1);
    expect(await status(CAROL)).toBe(200);
    writeFileSync(file, "short\n");
    mcp.child.kill("SIGHUP");
    await logged("keeping the tokens loaded before", 1);
    expect(mcp.stderr()).toContain("line 1: the token is shorter than 16 characters");
    expect(await status(CAROL)).toBe(200);
    writeFileSync(file, lines.join("\n"));
    mcp.child.kill("SIGHUP");
    await logged("2 token(s)", 2);
    expect(await status(CAROL)).toBe(401);
    expect(await status(ALICE)).toBe(200);
  });

  it("never writes a token to its output, even at debug level", () => {
    const all = mcp.stdout() + mcp.stderr();
    expect(all).toContain("2 token(s)");
    // Alice's line is plaintext and the test wrote the file world-readable.
    expect(all).toContain("holds 1 plaintext token(s) and every user of this machine can read it");
    for (const secret of [ALICE, BOB, CAROL, "not-a-valid-token-at-all"])
      expect(all).not.toContain(secret);
  });
});

describe("HTTP auth: OAuth 2.1 resource server (spawned CLI, local test issuer)", () => {
  useCliProcesses();
  let local: TestLocalApi;
  let issuer: TestIssuer;
  let mcp: Cli;
  let resource: string;
  beforeAll(async () => {
    [local, issuer] = await Promise.all([startTestLocalApi({ demo: true }), startTestIssuer()]);
    local.store.workspaces.insert("Other Team", "other", OTHER_WS);
    // No JWKS URL given: the server finds it in the issuer's RFC 8414 metadata.
    mcp = await startMcpHttpCli(
      ["--auth", "oauth", "--oauth-issuer", issuer.issuer, "--oauth-scopes", "weavz:mcp"],
      local,
    );
    resource = mcp.url;
  }, 30_000);
  afterAll(async () => {
    if (mcp) await stopCli(mcp);
    await Promise.all([local?.close(), issuer?.close()]);
  });

  it("serves RFC 9728 metadata at both well-known forms", async () => {
    for (const path of [
      "/.well-known/oauth-protected-resource",
      "/.well-known/oauth-protected-resource/mcp",
    ]) {
      const r = await request(mcp.url.replace("/mcp", path));
      expect(r.statusCode).toBe(200);
      expect(await r.body.json()).toEqual({
        resource,
        authorization_servers: [issuer.issuer],
        scopes_supported: ["weavz:mcp"],
        bearer_methods_supported: ["header"],
        resource_name: "weavz-mcp",
      });
    }
  });

  it("accepts a valid token: a real MCP client completes a tool call", async () => {
    const token = await issuer.mint({
      aud: resource,
      scope: "weavz:mcp other",
      sub: "user-1",
      client_id: "app",
    });
    const { client, call } = await connectWithToken(mcp.url, token);
    const r = await call("list_workspaces");
    expect(r.isError, textOf(r)).toBeFalsy();
    expect(r.structuredContent?.total).toBe(2);
    await client.close();
    const modern = await connectModernWithToken(mcp.url, token);
    const m = await modern.call("list_workspace_integrations", { workspaceId: DEMO_WS });
    expect(m.isError, textOf(m)).toBeFalsy();
    await modern.client.close();
  });

  it("answers 401 with resource_metadata for a missing, expired, foreign-audience, foreign-issuer or forged token", async () => {
    const now = Math.floor(Date.now() / 1000);
    const cases: [string, string | undefined, RegExp][] = [
      ["missing", undefined, /Authentication required/],
      [
        "expired",
        await issuer.mint({ aud: resource, scope: "weavz:mcp" }, { expiresIn: now - 60 }),
        /expired/,
      ],
      [
        "audience",
        await issuer.mint({ aud: "https://other.example/mcp", scope: "weavz:mcp" }),
        /not for this server/,
      ],
      [
        "issuer",
        await issuer.mint({ aud: resource, scope: "weavz:mcp", iss: "https://evil.example" }),
        /not issued by/,
      ],
      [
        "signature",
        await issuer.mint({ aud: resource, scope: "weavz:mcp" }, { sign: "stranger" }),
        /not a valid JWT/,
      ],
      ["garbage", "abc.def.ghi", /not a valid JWT/],
    ];
    for (const [label, token, why] of cases) {
      for (const body of [DISCOVER, INIT]) {
        const r = await post(mcp.url, body, token ? { authorization: `Bearer ${token}` } : {});
        expect(r.status, label).toBe(401);
        expect(metadataOf(r.challenge), label).toBe(
          mcp.url.replace("/mcp", "/.well-known/oauth-protected-resource/mcp"),
        );
        expect(r.challenge, label).toMatch(why);
        if (token) expect(r.challenge, label).toContain('error="invalid_token"');
        else expect(r.challenge, label).not.toContain("error=");
      }
    }
  });

  it("answers 403 insufficient_scope when the token lacks a required scope", async () => {
    const token = await issuer.mint({ aud: resource, scope: "weavz:read" });
    const r = await post(mcp.url, INIT, { authorization: `Bearer ${token}` });
    expect(r.status).toBe(403);
    expect(r.challenge).toMatch(
      /^Bearer error="insufficient_scope", .*scope="weavz:mcp", resource_metadata="/,
    );
    expect(JSON.parse(r.body)).toMatchObject({ error: "insufficient_scope" });
  });

  it(`limits a token by its weavz_workspaces claim`, async () => {
    const token = await issuer.mint({
      aud: resource,
      scope: "weavz:mcp",
      weavz_workspaces: [OTHER_WS],
    });
    const { client, call } = await connectWithToken(mcp.url, token);
    const ws = await call("list_workspaces");
    expect(ws.structuredContent?.workspaces.map((w: any) => w.id)).toEqual([OTHER_WS]);
    const denied = await call("list_workspace_integrations", { workspaceId: DEMO_WS });
    expect(denied.isError).toBe(true);
    expect(textOf(denied)).toMatch(/SCOPE_DENIED.*It may use: 0ther000/);
    // The token's only workspace becomes the default.
    const mine = await call("list_workspace_integrations");
    expect(mine.structuredContent?.workspaceId).toBe(OTHER_WS);
    await client.close();
  });

  it("fetched the issuer's keys once for all of the above", () => {
    expect(issuer.jwksFetches()).toBe(1);
  });
});

describe("HTTP without auth on a non-loopback interface", () => {
  useCliProcesses();
  it("is refused at start with the ways out, before anything listens", async () => {
    const child = spawnCli(["--transport", "http", "--host", "0.0.0.0", "--port", "0"]);
    let err = "";
    child.stderr?.on("data", (d: Buffer) => {
      err += d;
    });
    const code = await new Promise((r) => child.once("exit", r));
    expect(code).toBe(2);
    expect(err).toContain("refusing to serve HTTP on 0.0.0.0 without authentication");
    expect(err).toMatch(/--auth bearer.*--auth oauth.*--insecure-no-auth/);
  });
});
