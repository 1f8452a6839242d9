import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify } from "jose";
import type { Logger } from "../../log.js";
import { PRINCIPAL_AUTH_KEY } from "../../mcp/actor.js";
import { WORKSPACES_AUTH_KEY } from "../../mcp/scope.js";
import { AuthFailure, type AuthInfo, type TokenVerifier } from "./types.js";

/** JWT claim listing the workspace ids a token may use (array, or space-separated string). */
export const WORKSPACES_CLAIM = "weavz_workspaces";

/** Settings of the OAuth 2.1 resource server. */
export interface OAuthOptions {
  /** The authorization server's issuer; tokens must carry exactly this `iss`. */
  issuer: string;
  /** The issuer's JWKS; when absent, read from the issuer's RFC 8414 / OIDC metadata. */
  jwksUrl?: string | undefined;
  /** This server's resource identifier: tokens must name it in `aud` (RFC 8707). */
  audience: () => string;
  /** Scopes every token must carry. */
  requiredScopes: readonly string[];
  log: Logger;
}

// Asymmetric algorithms only: a symmetric key would have to be shared with this server.
const ALGORITHMS = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
  "Ed25519",
];

/** Where RFC 8414 and OpenID Connect publish an issuer's metadata, in that order. */
function metadataUrls(issuer: string): string[] {
  const u = new URL(issuer);
  const path = u.pathname === "/" ? "" : u.pathname.replace(/\/$/, "");
  return [
    `${u.origin}/.well-known/oauth-authorization-server${path}`,
    `${u.origin}${path}/.well-known/openid-configuration`,
  ];
}

/** Finds the issuer's jwks_uri in its published metadata (which must name the same issuer). */
async function discoverJwksUri(issuer: string): Promise<string> {
  for (const url of metadataUrls(issuer)) {
    const res = await fetch(url, {
      headers: { accept: "application/json" },
      signal: AbortSignal.timeout(5000),
    }).catch(() => undefined);
    if (!res?.ok) continue;
    const meta = (await res.json().catch(() => undefined)) as
      | { issuer?: unknown; jwks_uri?: unknown }
      | undefined;
    if (meta?.issuer !== issuer || typeof meta.jwks_uri !== "string") continue;
    return meta.jwks_uri;
  }
  throw new Error(
    `no metadata naming issuer ${issuer} with a jwks_uri at ${metadataUrls(issuer).join(" or ")}; set WEAVZ_OAUTH_JWKS_URL`,
  );
}

/** Scopes from `scope` (RFC 9068, space-separated) or `scp` (an array, as some issuers send). */
function scopesOf(payload: JWTPayload): string[] {
  if (typeof payload.scope === "string") return payload.scope.split(" ").filter(Boolean);
  if (Array.isArray(payload.scp)) return payload.scp.filter((s) => typeof s === "string");
  if (typeof payload.scp === "string") return payload.scp.split(" ").filter(Boolean);
  return [];
}

/** The workspace limit a token's claim sets; undefined when the claim is absent. */
function workspacesOf(payload: JWTPayload): string[] | undefined {
  const raw = payload[WORKSPACES_CLAIM];
  if (raw === undefined) return undefined;
  if (typeof raw === "string") return raw.split(/[\s,]+/).filter(Boolean);
  if (Array.isArray(raw)) return raw.filter((w): w is string => typeof w === "string");
  // A malformed claim limits to nothing rather than to everything.
  return [];
}

/** Maps a jose failure to what the client is told; unreachable keys are the server's problem. */
function failureOf(err: unknown, audience: string, issuer: string): AuthFailure | undefined {
  if (err instanceof errors.JWTExpired)
    return new AuthFailure(401, "invalid_token", "The access token has expired.");
  if (err instanceof errors.JWTClaimValidationFailed) {
    const what =
      err.claim === "aud"
        ? `is not for this server (its audience must be ${audience})`
        : err.claim === "iss"
          ? `was not issued by ${issuer}`
          : err.claim === "nbf"
            ? "is not valid yet"
            : `has an invalid "${err.claim}" claim`;
    return new AuthFailure(401, "invalid_token", `The access token ${what}.`);
  }
  if (
    err instanceof errors.JWSSignatureVerificationFailed ||
    err instanceof errors.JWKSNoMatchingKey ||
    err instanceof errors.JWKSMultipleMatchingKeys ||
    err instanceof errors.JWSInvalid ||
    err instanceof errors.JWTInvalid ||
    err instanceof errors.JOSEAlgNotAllowed ||
    err instanceof errors.JOSENotSupported
  ) {
    return new AuthFailure(
      401,
      "invalid_token",
      "The access token is not a valid JWT signed by the issuer's keys.",
    );
  }
  return undefined;
}

/**
 * Verifies JWT access tokens as an OAuth 2.1 resource server: signature against the issuer's
 * JWKS (fetched and cached by jose, refetched when an unknown key id shows up), `iss`, `aud`
 * equal to this server's resource URL, `exp` required, then the required scopes.
 */
export function jwtVerifier(opts: OAuthOptions): TokenVerifier {
  let keys: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;
  const keySet = () => {
    keys ??= (opts.jwksUrl ? Promise.resolve(opts.jwksUrl) : discoverJwksUri(opts.issuer)).then(
      (url) => createRemoteJWKSet(new URL(url), { timeoutDuration: 5000 }),
    );
    // A failed discovery is retried on the next request instead of being cached.
    keys.catch(() => {
      keys = undefined;
    });
    return keys;
  };
  return async (token) => {
    const audience = opts.audience();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, await keySet(), {
        issuer: opts.issuer,
        audience,
        algorithms: ALGORITHMS,
        requiredClaims: ["exp"],
        clockTolerance: 5,
      }));
    } catch (err) {
      const failure = failureOf(err, audience, opts.issuer);
      if (failure) throw failure;
      opts.log.warn(
        `oauth: cannot check access tokens, the issuer's keys are unavailable: ${(err as Error).message}`,
      );
      throw new AuthFailure(
        503,
        undefined,
        "The server cannot check access tokens right now (the issuer's keys are unavailable); try again shortly.",
      );
    }
    const scopes = scopesOf(payload);
    const missing = opts.requiredScopes.filter((s) => !scopes.includes(s));
    if (missing.length > 0) {
      throw new AuthFailure(
        403,
        "insufficient_scope",
        `The access token lacks the scope(s) ${missing.join(" ")}; request a token with ${opts.requiredScopes.join(" ")}.`,
      );
    }
    const clientId =
      [payload.client_id, payload.azp, payload.sub].find((v) => typeof v === "string") ??
      "oauth-client";
    const info: AuthInfo = {
      token,
      clientId: clientId as string,
      scopes,
      resource: new URL(audience),
    };
    if (typeof payload.exp === "number") info.expiresAt = payload.exp;
    const workspaces = workspacesOf(payload);
    info.extra = {
      subject: payload.sub,
      // Sessions are bound to the user (tokens are refreshed; the subject stays); a token
      // without a subject is its client's, in another namespace, so a client_id can never
      // equal a user's sub.
      principal:
        typeof payload.sub === "string" ? `oauth:sub:${payload.sub}` : `oauth:client:${clientId}`,
      // The change journal names the user (the subject), else the client.
      [PRINCIPAL_AUTH_KEY]: { kind: "oauth", label: String(payload.sub ?? clientId) },
      ...(workspaces ? { [WORKSPACES_AUTH_KEY]: workspaces } : {}),
    };
    return info;
  };
}
