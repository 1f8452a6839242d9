// The authentication gate on its own, with web Requests: the cases the spawned-CLI tests in
// test/e2e/auth.test.ts do not reach (a public URL behind a proxy, an issuer that is down).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/log.js";
import { createAuthGate } from "../../src/transports/auth/gate.js";
import { jwtVerifier } from "../../src/transports/auth/oauth.js";
import { startTestIssuer, type TestIssuer } from "../helpers/issuer.js";

const PUBLIC = "https://mcp.example.com/teams/weavz/mcp";

describe("auth gate", () => {
  let issuer: TestIssuer;
  beforeAll(async () => {
    issuer = await startTestIssuer();
  });
  afterAll(() => issuer.close());

  const oauthGate = (iss: string, jwksUrl?: string) => {
    const gate = createAuthGate({
      verifier: jwtVerifier({
        issuer: iss,
        jwksUrl,
        audience: () => gate.resourceUrl(),
        requiredScopes: [],
        log: silentLogger,
      }),
      publicUrl: PUBLIC,
      authorizationServer: iss,
      log: silentLogger,
    });
    // The listening URL does not replace a configured public URL.
    gate.listening("http://127.0.0.1:3333/mcp");
    return gate;
  };
  const req = (path: string, token?: string) =>
    new Request(`http://127.0.0.1:3333${path}`, {
      method: "POST",
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });

  it("uses the public URL as resource and audience, with the path-suffixed metadata URL", async () => {
    const gate = oauthGate(issuer.issuer);
    expect(gate.resourceUrl()).toBe(PUBLIC);
    const metadataUrl =
      "https://mcp.example.com/.well-known/oauth-protected-resource/teams/weavz/mcp";
    expect(gate.metadataUrl()).toBe(metadataUrl);
    const denied = (await gate.check(req("/mcp"))) as Response;
    expect(denied.status).toBe(401);
    expect(denied.headers.get("www-authenticate")).toBe(
      `Bearer error_description="Authentication required: send Authorization: Bearer <token>.", resource_metadata="${metadataUrl}"`,
    );
    // A proxy may forward the metadata path as published or with its prefix stripped.
    for (const path of [
      "/.well-known/oauth-protected-resource/teams/weavz/mcp",
      "/.well-known/oauth-protected-resource/mcp",
    ]) {
      const r = (await gate.check(new Request(`http://127.0.0.1:3333${path}`))) as Response;
      expect(r.status).toBe(200);
      expect(((await r.json()) as { resource: string }).resource).toBe(PUBLIC);
    }
    const token = await issuer.mint({ aud: PUBLIC, sub: "u1" });
    const ok = await gate.check(req("/mcp", token));
    expect(ok).not.toBeInstanceOf(Response);
    expect((ok as { authInfo: { clientId: string } }).authInfo.clientId).toBe("u1");
    const listening = await issuer.mint({ aud: "http://127.0.0.1:3333/mcp" });
    expect(((await gate.check(req("/mcp", listening))) as Response).status).toBe(401);
  });

  it("answers 503 (not 401) while the issuer's keys cannot be fetched, and recovers", async () => {
    const gate = oauthGate(issuer.issuer);
    const token = await issuer.mint({ aud: PUBLIC });
    issuer.setDown(true);
    try {
      const r = (await gate.check(req("/mcp", token))) as Response;
      expect(r.status).toBe(503);
      expect(r.headers.get("www-authenticate")).toBeNull();
      expect(r.headers.get("retry-after")).toBe("5");
    } finally {
      issuer.setDown(false);
    }
    // The failed discovery was not cached: the same gate works once the issuer is back.
    expect(await gate.check(req("/mcp", token))).not.toBeInstanceOf(Response);
  });
});
