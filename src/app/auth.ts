import type { Logger } from "../log.js";
import {
  type AuthGate,
  createAuthGate,
  jwtVerifier,
  loadTokens,
  tokenFileVerifier,
  tokenPrincipal,
} from "../transports/auth/index.js";
import { type Config, isLoopbackHost } from "./config.js";

export { AuthSetupError, nodeAuthenticate } from "../transports/auth/index.js";

/** Authentication as configured: the gate, and for a tokens file how to re-read it. */
export interface AuthSetup {
  gate: AuthGate;
  /** Re-reads the tokens file (on SIGHUP); a file with a mistake leaves the old tokens. */
  reload?: () => Promise<void>;
  /**
   * Whether a session or stream owner (authInfo.extra.principal) is still accepted by the
   * tokens loaded now: after a reload, what a removed or narrowed token opened is closed.
   */
  accepts?: (principal: unknown) => boolean;
}

/** The authentication the configuration asks for, or undefined for --auth none. */
export async function authFromConfig(
  config: Pick<Config, "auth" | "http">,
  log: Logger,
): Promise<AuthSetup | undefined> {
  if (config.auth.mode === "none") {
    if (!isLoopbackHost(config.http.host)) {
      log.warn(
        `--insecure-no-auth: serving ${config.http.host} without authentication; only safe behind a proxy that authenticates every request.`,
      );
    }
    return undefined;
  }
  if (!isLoopbackHost(config.http.host) && !config.http.publicUrl?.startsWith("https:")) {
    log.warn(
      "tokens travel in clear over plain HTTP: put a TLS proxy in front and set --public-url to its https URL.",
    );
  }
  if (config.auth.mode === "bearer") {
    const file = config.auth.tokensFile as string;
    const load = async () => {
      const entries = await loadTokens(file, log);
      return {
        verify: tokenFileVerifier(entries),
        principals: new Set(entries.map(tokenPrincipal)),
      };
    };
    let tokens = await load();
    const gate = createAuthGate({
      verifier: (token) => tokens.verify(token),
      publicUrl: config.http.publicUrl,
      log,
    });
    // A bad edit keeps the tokens in force: the server never falls open or shut on a typo.
    const reload = async () => {
      try {
        tokens = await load();
      } catch (err) {
        log.error(`${(err as Error).message}; keeping the tokens loaded before`);
      }
    };
    return { gate, reload, accepts: (p) => typeof p === "string" && tokens.principals.has(p) };
  }
  const issuer = config.auth.oauthIssuer as string;
  let gate: AuthGate | undefined;
  const verifier = jwtVerifier({
    issuer,
    jwksUrl: config.auth.oauthJwksUrl,
    audience: () => (gate as AuthGate).resourceUrl(),
    requiredScopes: config.auth.oauthScopes,
    log,
  });
  gate = createAuthGate({
    verifier,
    publicUrl: config.http.publicUrl,
    authorizationServer: issuer,
    scopes: config.auth.oauthScopes,
    log,
  });
  log.info(
    `auth: oauth, tokens from ${issuer}${config.auth.oauthScopes.length ? ` with scope(s) ${config.auth.oauthScopes.join(" ")}` : ""}`,
  );
  return { gate };
}
