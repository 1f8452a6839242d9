import type { AuthInfo } from "@modelcontextprotocol/server";

/**
 * What a verified token says about its caller: the SDK's AuthInfo, which the transport hands
 * to request handlers. `token` is used for nothing past the check and never sent upstream;
 * `extra.weavzWorkspaces` (see mcp/scope.ts) carries the caller's workspace limit and
 * `extra.principal` who the caller is, for binding sessions.
 */
export type { AuthInfo };

/** A refused token, with what RFC 6750 puts in the WWW-Authenticate challenge. */
export class AuthFailure extends Error {
  override name = "AuthFailure";
  constructor(
    /** 401 for a missing or bad token, 403 for missing scopes, 503 when keys cannot be fetched. */
    readonly status: 401 | 403 | 503,
    /** RFC 6750 error code; absent when no token was presented. */
    readonly error: "invalid_token" | "insufficient_scope" | "invalid_request" | undefined,
    /** Safe to show to the client: never contains the token. */
    readonly description: string,
  ) {
    super(description);
  }
}

/** Checks one presented token: resolves with the caller, or throws AuthFailure. */
export type TokenVerifier = (token: string) => Promise<AuthInfo>;
