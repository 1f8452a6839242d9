/**
 * What a verified token says about its caller; the same shape as the MCP SDK's AuthInfo, so
 * the transport hands it to the SDK unchanged and request handlers read it as `authInfo`.
 */
export interface AuthInfo {
  /** The presented token; used for nothing past this check and never sent upstream. */
  token: string;
  /** Who the caller is: the tokens file's `name=`, or the JWT's client id. */
  clientId: string;
  scopes: string[];
  /** Seconds since the epoch. */
  expiresAt?: number;
  resource?: URL;
  /** `weavzWorkspaces` (see mcp/scope.ts) carries the caller's workspace limit. */
  extra?: Record<string, unknown>;
}

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
