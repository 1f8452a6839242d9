import type { Logger } from "../../log.js";
import { AuthFailure, type AuthInfo, type TokenVerifier } from "./types.js";

/** The well-known path of RFC 9728 protected-resource metadata. */
export const PRM_PATH = "/.well-known/oauth-protected-resource";

/** Settings of the authentication in front of the MCP endpoint. */
export interface AuthGateOptions {
  verifier: TokenVerifier;
  /** The endpoint's public URL (behind a proxy); else the listening URL once known. */
  publicUrl?: string | undefined;
  /** OAuth mode: the authorization server named in the metadata. */
  authorizationServer?: string | undefined;
  /** Scopes the server requires, advertised in metadata and challenges. */
  scopes?: readonly string[];
  log: Logger;
}

/** Outcome of one request's check: the caller, or the answer to send instead. */
export type AuthOutcome = { authInfo: AuthInfo } | Response;

/** Authentication as one web-standard step, so it fits any HTTP stack in front of MCP. */
export interface AuthGate {
  /** Tells the gate where the server listens (the resource URL unless a public URL is set). */
  listening(url: string): void;
  /** The resource identifier: what OAuth tokens must name as audience. */
  resourceUrl(): string;
  /** The URL of this resource's RFC 9728 metadata, as challenges advertise it. */
  metadataUrl(): string;
  /** Serves the metadata routes and checks the bearer token of every other request. */
  check(req: Request): Promise<AuthOutcome>;
}

/** A quoted-string for a challenge parameter: no quotes or backslashes can break out of it. */
const quoted = (s: string) => `"${s.replace(/["\\]/g, "'")}"`;

/** Builds the gate for bearer or oauth mode. */
export function createAuthGate(opts: AuthGateOptions): AuthGate {
  let resource = opts.publicUrl;
  const scopes = opts.scopes ?? [];
  const resourceUrl = () => {
    if (resource === undefined) throw new Error("auth gate used before the server listens");
    return resource;
  };
  const metadataUrl = () => {
    const u = new URL(resourceUrl());
    return `${u.origin}${PRM_PATH}${u.pathname === "/" ? "" : u.pathname}`;
  };
  // The metadata answers at the bare well-known path and with the endpoint's path appended
  // (RFC 9728 §3.1); /mcp is also accepted for a proxy that strips a public path prefix.
  const metadataPaths = () =>
    new Set([PRM_PATH, `${PRM_PATH}/mcp`, `${PRM_PATH}${new URL(resourceUrl()).pathname}`]);

  const metadata = () =>
    Response.json(
      {
        resource: resourceUrl(),
        ...(opts.authorizationServer ? { authorization_servers: [opts.authorizationServer] } : {}),
        ...(scopes.length > 0 ? { scopes_supported: [...scopes] } : {}),
        bearer_methods_supported: ["header"],
        resource_name: "weavz-mcp",
      },
      {
        headers: {
          // Public metadata that browser-based clients read cross-origin.
          "access-control-allow-origin": "*",
          "cache-control": "public, max-age=300",
        },
      },
    );

  const challenge = (failure: AuthFailure): Response => {
    const params = [
      ...(failure.error ? [`error=${quoted(failure.error)}`] : []),
      `error_description=${quoted(failure.description)}`,
      ...(scopes.length > 0 ? [`scope=${quoted(scopes.join(" "))}`] : []),
      `resource_metadata=${quoted(metadataUrl())}`,
    ];
    const headers: Record<string, string> = { "cache-control": "no-store" };
    if (failure.status !== 503) headers["www-authenticate"] = `Bearer ${params.join(", ")}`;
    else headers["retry-after"] = "5";
    return Response.json(
      {
        error:
          failure.error ?? (failure.status === 503 ? "temporarily_unavailable" : "unauthorized"),
        error_description: failure.description,
      },
      { status: failure.status, headers },
    );
  };

  return {
    listening(url) {
      resource ??= url;
    },
    resourceUrl,
    metadataUrl,
    async check(req) {
      const path = new URL(req.url).pathname;
      if (metadataPaths().has(path)) {
        if (req.method !== "GET" && req.method !== "HEAD") {
          return Response.json(
            { error: "Method not allowed: GET the metadata", code: "METHOD_NOT_ALLOWED" },
            { status: 405, headers: { allow: "GET" } },
          );
        }
        return metadata();
      }
      const header = req.headers.get("authorization") ?? "";
      const m = /^Bearer[ \t]+([\x21-\x7e]+)[ \t]*$/i.exec(header);
      if (!m) {
        return challenge(
          new AuthFailure(
            401,
            undefined,
            "Authentication required: send Authorization: Bearer <token>.",
          ),
        );
      }
      try {
        return { authInfo: await opts.verifier(m[1] as string) };
      } catch (err) {
        if (err instanceof AuthFailure) {
          opts.log.debug(`auth refused (${err.status}): ${err.description}`);
          return challenge(err);
        }
        throw err;
      }
    },
  };
}
