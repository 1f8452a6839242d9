import { readFile, stat } from "node:fs/promises";
import { type Config, isLoopbackHost } from "../../config.js";
import type { Logger } from "../../log.js";
import { type AuthGate, createAuthGate } from "./gate.js";
import { jwtVerifier } from "./oauth.js";
import {
  parseTokensFile,
  type TokenEntry,
  TokensFileError,
  tokenFileVerifier,
  tokenPrincipal,
} from "./tokens-file.js";

export type { AuthGate } from "./gate.js";
export { nodeAuthenticate } from "./node.js";
export type { AuthInfo } from "./types.js";

/** A configuration problem found while setting authentication up, for the user. */
export class AuthSetupError extends Error {
  override name = "AuthSetupError";
}

/** Reads and parses the tokens file; its text is dropped as soon as the digests are taken. */
async function loadTokens(file: string, log: Logger): Promise<TokenEntry[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new AuthSetupError(
      `cannot read the tokens file WEAVZ_MCP_TOKENS_FILE=${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  let entries: TokenEntry[];
  try {
    entries = parseTokensFile(text);
  } catch (err) {
    if (err instanceof TokensFileError)
      throw new AuthSetupError(`tokens file ${file}: ${err.message}`);
    throw err;
  }
  const plain = entries.filter((e) => e.plain).length;
  const mode = await stat(file).then(
    (s) => s.mode,
    () => 0,
  );
  if (plain > 0 && process.platform !== "win32" && (mode & 0o004) !== 0) {
    log.warn(
      `tokens file ${file} holds ${plain} plaintext token(s) and every user of this machine can read it: chmod 600 it, or write the tokens as sha256: lines.`,
    );
  }
  const limited = entries.filter((e) => e.workspaces).length;
  log.info(
    `auth: bearer, ${entries.length} token(s) from ${file}${limited ? `, ${limited} limited to some workspaces` : ""}`,
  );
  return entries;
}

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
export async function authFromConfig(config: Config, log: Logger): Promise<AuthSetup | undefined> {
  if (config.auth === "none") {
    if (!isLoopbackHost(config.host)) {
      log.warn(
        `--insecure-no-auth: serving ${config.host} without authentication; only safe behind a proxy that authenticates every request.`,
      );
    }
    return undefined;
  }
  if (!isLoopbackHost(config.host) && !config.publicUrl?.startsWith("https:")) {
    log.warn(
      "tokens travel in clear over plain HTTP: put a TLS proxy in front and set --public-url to its https URL.",
    );
  }
  if (config.auth === "bearer") {
    const file = config.tokensFile as string;
    let entries = await loadTokens(file, log);
    let verify = tokenFileVerifier(entries);
    let principals = new Set(entries.map(tokenPrincipal));
    const gate = createAuthGate({
      verifier: (token) => verify(token),
      publicUrl: config.publicUrl,
      log,
    });
    // A bad edit keeps the tokens in force: the server never falls open or shut on a typo.
    const reload = async () => {
      try {
        entries = await loadTokens(file, log);
        verify = tokenFileVerifier(entries);
        principals = new Set(entries.map(tokenPrincipal));
      } catch (err) {
        log.error(`${(err as Error).message}; keeping the tokens loaded before`);
      }
    };
    return { gate, reload, accepts: (p) => typeof p === "string" && principals.has(p) };
  }
  const issuer = config.oauthIssuer as string;
  let gate: AuthGate | undefined;
  const verifier = jwtVerifier({
    issuer,
    jwksUrl: config.oauthJwksUrl,
    audience: () => (gate as AuthGate).resourceUrl(),
    requiredScopes: config.oauthScopes,
    log,
  });
  gate = createAuthGate({
    verifier,
    publicUrl: config.publicUrl,
    authorizationServer: issuer,
    scopes: config.oauthScopes,
    log,
  });
  log.info(
    `auth: oauth, tokens from ${issuer}${config.oauthScopes.length ? ` with scope(s) ${config.oauthScopes.join(" ")}` : ""}`,
  );
  return { gate };
}
