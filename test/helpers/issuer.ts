import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from "jose";

/** A local OAuth authorization server, as far as a resource server sees one. */
export interface TestIssuer {
  /** The issuer identifier (its origin), as tokens carry it in `iss`. */
  issuer: string;
  jwksUrl: string;
  /** While down, metadata and keys answer 503 (an outage of the authorization server). */
  setDown(down: boolean): void;
  /** How many times the JWKS was fetched. */
  jwksFetches(): number;
  /**
   * Signs an access token: by default with the published key, issued by this issuer, valid
   * for 5 minutes. `sign: "stranger"` uses a key that is not published, under the same key id.
   */
  mint(
    claims: JWTPayload,
    opts?: { expiresIn?: string | number; sign?: "stranger" },
  ): Promise<string>;
  close(): Promise<void>;
}

/**
 * Starts a test issuer on loopback port 0: RS256 keys made with jose, RFC 8414 metadata and
 * the JWKS served by node:http. Real keys and real HTTP; only the token endpoint is missing,
 * since a resource server never calls it.
 */
export async function startTestIssuer(): Promise<TestIssuer> {
  const kid = "test-key-1";
  const keys = await generateKeyPair("RS256");
  const stranger = await generateKeyPair("RS256");
  const jwk = { ...(await exportJWK(keys.publicKey)), kid, alg: "RS256", use: "sig" };
  let fetches = 0;
  let issuer = "";
  let down = false;
  const server = createServer((req, res) => {
    if (down) {
      res.writeHead(503).end();
      return;
    }
    const send = (body: unknown) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.url === "/.well-known/oauth-authorization-server") {
      send({
        issuer,
        jwks_uri: `${issuer}/jwks`,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        response_types_supported: ["code"],
      });
    } else if (req.url === "/jwks") {
      fetches++;
      send({ keys: [jwk] });
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    jwksUrl: `${issuer}/jwks`,
    setDown: (d) => {
      down = d;
    },
    jwksFetches: () => fetches,
    mint: (claims, opts = {}) =>
      new SignJWT({ iss: issuer, ...claims })
        .setProtectedHeader({ alg: "RS256", kid, typ: "at+jwt" })
        .setIssuedAt()
        .setExpirationTime(opts.expiresIn ?? "5m")
        .sign(opts.sign === "stranger" ? stranger.privateKey : keys.privateKey),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
