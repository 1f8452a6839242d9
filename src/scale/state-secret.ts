import { hkdfSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { registerSecret } from "../mask.js";

/** Shortest state secret accepted: 32 characters (e.g. `openssl rand -base64 32` gives 44). */
export const STATE_SECRET_MIN_CHARS = 32;
/** The one rule for a state secret, given by value (the options) or in a file (below). */
export function isUsableStateSecret(secret: string): boolean {
  return secret.length >= STATE_SECRET_MIN_CHARS && !/\s/.test(secret);
}

/** A state secret that cannot be used; the message names the setting, never the value. */
export class StateSecretError extends Error {
  override name = "StateSecretError";
}

/**
 * The key sealing confirmation tokens and 2026 request state across replicas, from the secret
 * every replica is given (WEAVZ_STATE_SECRET, or the file WEAVZ_STATE_SECRET_FILE names).
 * HKDF separates it from any other use of the same secret; the secret itself is registered
 * with the masker so no log line or result can show it.
 */
export function loadStateKey(opts: {
  secret?: string | undefined;
  file?: string | undefined;
}): Uint8Array | undefined {
  let secret = opts.secret;
  let where = "--state-secret / WEAVZ_STATE_SECRET";
  if (opts.file !== undefined) {
    where = `the state secret file ${opts.file}`;
    try {
      secret = readFileSync(opts.file, "utf8");
    } catch (err) {
      throw new StateSecretError(
        `cannot read ${where} (--state-secret-file / WEAVZ_STATE_SECRET_FILE): ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
  }
  if (secret === undefined) return undefined;
  // A trailing newline (echo > file) is not part of the secret.
  secret = secret.replace(/[\r\n]+$/, "");
  if (!isUsableStateSecret(secret)) {
    throw new StateSecretError(
      `${where} must be at least ${STATE_SECRET_MIN_CHARS} characters without spaces or line breaks (e.g. the output of \`openssl rand -base64 32\`), the same on every replica.`,
    );
  }
  registerSecret(secret);
  return new Uint8Array(
    hkdfSync("sha256", secret, "weavz-mcp", "confirmation tokens and request state v1", 32),
  );
}
