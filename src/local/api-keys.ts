import { timingSafeEqual } from "node:crypto";
import { ApiError } from "./errors.js";
import { KeyCheckBusy, type KeyChecker } from "./key-check.js";
import type { Principal } from "./routes/context.js";
import type { Store } from "./store/index.js";

/** Tag scope of API keys in the KeyChecker (MCP tokens use "mcp:<server id>"). */
const API_SCOPE = "api";
/**
 * How a key is named in the change journal: its first characters and last four (the way
 * dashboards show keys), never enough of it to matter.
 */
export function keyLabel(key: string): string {
  return key.length > 16 ? `${key.slice(0, key.indexOf("_", 4) + 1 || 4)}…${key.slice(-4)}` : "…";
}

/** The credential of an `Authorization: Bearer <secret>` header, or undefined. */
export function bearerToken(header: string | null | undefined): string | undefined {
  return header ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
}

/** A key accepted in memory only (never stored); with workspaceIds, limited to them. */
export interface InMemoryKey {
  key: string;
  workspaceIds?: string[];
}

/** 429 for a check that found the KDF queue full (a flood of unrecognised keys). */
function busyError(): ApiError {
  return new ApiError(
    429,
    "RATE_LIMITED",
    "Too many requests with unrecognised keys are being checked; retry in a second.",
    { retryAfterSeconds: 1 },
  );
}

/**
 * Checks `Authorization: Bearer <key>` against the in-memory keys, then the keys stored in
 * the database (read on every miss, so keys another process added are seen). Throws 429 when
 * the KDF queue is full.
 */
export function makeAuthenticator(store: Store, checker: KeyChecker, inMemory: InMemoryKey[]) {
  // Only tags are kept, not the keys themselves.
  const extra = inMemory.map((k) => ({
    tag: checker.tag(API_SCOPE, k.key),
    principal: (k.workspaceIds
      ? { scope: new Set(k.workspaceIds), keyLabel: keyLabel(k.key) }
      : { keyLabel: keyLabel(k.key) }) as Principal,
  }));
  const upgrade = (old: string, fresh: string) => store.apiKeys.replaceHash(old, fresh);
  return async (header: string | undefined): Promise<Principal | undefined> => {
    const key = bearerToken(header);
    if (!key) return undefined;
    const tag = checker.tag(API_SCOPE, key);
    let found: Principal | undefined;
    // Constant time each, no early exit.
    for (const k of extra) {
      if (timingSafeEqual(k.tag, tag) && !found) found = k.principal;
    }
    if (found) return found;
    // Keys are never removed from a database, so a verified key stays valid.
    if (checker.verifiedForm(tag) !== undefined) return { keyLabel: keyLabel(key) };
    try {
      const match = await checker.match(tag, key, store.apiKeys.hashes(), upgrade);
      return match === undefined ? undefined : { keyLabel: keyLabel(key) };
    } catch (err) {
      if (err instanceof KeyCheckBusy) throw busyError();
      throw err;
    }
  };
}

/**
 * Makes `key` a stored key: if a stored form already matches it (an unsalted one is upgraded
 * on the way), nothing is written; else its salted hash is added. Either way the checker
 * knows it, so the first request with it pays no KDF.
 */
export async function ensureApiKey(store: Store, checker: KeyChecker, key: string): Promise<void> {
  const tag = checker.tag(API_SCOPE, key);
  const upgrade = (old: string, fresh: string) => store.apiKeys.replaceHash(old, fresh);
  if ((await checker.match(tag, key, store.apiKeys.hashes(), upgrade)) !== undefined) return;
  // Two processes starting at once with the same new key may both add it: two valid rows,
  // harmless (a salted hash cannot be a primary key that deduplicates).
  const stored = await checker.hash(key);
  store.apiKeys.add(stored);
  checker.remember(tag, stored);
}

/**
 * Stores a freshly generated key (hashed before the write lock is taken) unless the database
 * already has a key; true if it was stored.
 */
export async function storeGeneratedKey(
  store: Store,
  checker: KeyChecker,
  key: string,
): Promise<boolean> {
  const stored = await checker.hash(key);
  const added = store.write(() => {
    // Re-checked inside the write lock: another process may have just added one.
    if (store.apiKeys.count() > 0) return false;
    store.apiKeys.add(stored);
    return true;
  });
  if (added) checker.remember(checker.tag(API_SCOPE, key), stored);
  return added;
}
