import { readFile, stat } from "node:fs/promises";
import type { Logger } from "../../log.js";
import { parseTokensFile, type TokenEntry, TokensFileError } from "./tokens-file.js";

export { type AuthGate, createAuthGate } from "./gate.js";
export { nodeAuthenticate } from "./node.js";
export { jwtVerifier } from "./oauth.js";
export { tokenFileVerifier, tokenPrincipal } from "./tokens-file.js";
export type { AuthInfo } from "./types.js";

/** A configuration problem found while setting authentication up, for the user. */
export class AuthSetupError extends Error {
  override name = "AuthSetupError";
}

/** Reads and parses the tokens file; its text is dropped as soon as the digests are taken. */
export async function loadTokens(file: string, log: Logger): Promise<TokenEntry[]> {
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
