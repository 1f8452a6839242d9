import { createHash, randomBytes, scrypt, scryptSync, timingSafeEqual } from "node:crypto";

/**
 * The stored form of API keys and MCP bearer tokens: scrypt (node:crypto) with a random salt
 * per key, written as a PHC string `$scrypt$ln=15,r=8,p=1$<salt>$<hash>` (unpadded base64),
 * so the cost travels with each hash and can be raised later: a weaker stored form is
 * rehashed on its next successful use. A user may pick a weak key with --api-key; a slow,
 * salted hash keeps a copied database from being cheap to guess against.
 *
 * Databases from before it hold the unsalted SHA-256 hex of the key ("legacy"); those still
 * verify, and are replaced on first use (see key-check.ts).
 */

/** scrypt cost: N = 2^ln, block size r, parallelism p. */
export interface KdfCost {
  ln: number;
  r: number;
  p: number;
}

/**
 * Today's cost: N = 2^15, r = 8, p = 1, i.e. 32 MiB and about 0.1 s per hash on the 2-core
 * machine this was measured on. Only the first request with a key pays it (the verification
 * cache in key-check.ts serves the rest).
 */
export const KDF_COST: Readonly<KdfCost> = { ln: 15, r: 8, p: 1 };

const SALT_BYTES = 16;
const HASH_BYTES = 32;
const PHC =
  /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]{22})\$([A-Za-z0-9+/]{43})$/;
const LEGACY = /^[0-9a-f]{64}$/;
// A stored cost beyond this is refused rather than computed: a tampered row must not make
// one request allocate gigabytes.
const MAX_MEMORY = 256 * 1024 * 1024;

/** A stored form, parsed. */
type StoredForm =
  | { kind: "legacy"; digest: Buffer }
  | { kind: "scrypt"; cost: KdfCost; salt: Buffer; hash: Buffer };

function memory(c: KdfCost): number {
  return 128 * 2 ** c.ln * c.r;
}

/** Parses a stored form; undefined for anything unrecognised (which then never matches). */
function parseStored(stored: string): StoredForm | undefined {
  if (LEGACY.test(stored)) return { kind: "legacy", digest: Buffer.from(stored, "hex") };
  const m = PHC.exec(stored);
  if (!m) return undefined;
  const cost = { ln: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  if (cost.ln < 1 || cost.r < 1 || cost.p < 1 || memory(cost) * cost.p > MAX_MEMORY) {
    return undefined;
  }
  return {
    kind: "scrypt",
    cost,
    salt: Buffer.from(m[4] as string, "base64"),
    hash: Buffer.from(m[5] as string, "base64"),
  };
}

function scryptOptions(c: KdfCost) {
  return { N: 2 ** c.ln, r: c.r, p: c.p, maxmem: 2 * memory(c) };
}

function derive(secret: string, salt: Buffer, c: KdfCost): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // Async: the work runs on libuv's thread pool, never on the event loop.
    scrypt(secret, salt, HASH_BYTES, scryptOptions(c), (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

function format(c: KdfCost, salt: Buffer, hash: Buffer): string {
  const b64 = (b: Buffer) => b.toString("base64").replace(/=+$/, "");
  return `$scrypt$ln=${c.ln},r=${c.r},p=${c.p}$${b64(salt)}$${b64(hash)}`;
}

/** The stored form of a new secret: scrypt with a fresh random salt. */
export async function hashSecret(secret: string, cost: KdfCost = KDF_COST): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  return format(cost, salt, await derive(secret, salt, cost));
}

/** hashSecret on the calling thread: only where no await is possible (inside a transaction). */
export function hashSecretSync(secret: string, cost: KdfCost = KDF_COST): string {
  const salt = randomBytes(SALT_BYTES);
  return format(cost, salt, scryptSync(secret, salt, HASH_BYTES, scryptOptions(cost)));
}

/** The unsalted SHA-256 hex that databases before schema 5 stored (kept to verify and replace them). */
export function legacyHash(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

/** True when checking `stored` costs a KDF (rather than one SHA-256). */
export function isSlow(stored: string): boolean {
  return parseStored(stored)?.kind === "scrypt";
}

/** Whether `secret` matches `stored`, compared in constant time. */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const form = parseStored(stored);
  if (!form) return false;
  if (form.kind === "legacy") {
    return timingSafeEqual(createHash("sha256").update(secret, "utf8").digest(), form.digest);
  }
  const got = await derive(secret, form.salt, form.cost);
  return got.length === form.hash.length && timingSafeEqual(got, form.hash);
}

/** True when `stored` is weaker than `cost` (or unsalted): rehash it on its next successful use. */
export function needsRehash(stored: string, cost: KdfCost = KDF_COST): boolean {
  const form = parseStored(stored);
  if (!form) return false;
  if (form.kind === "legacy") return true;
  return form.cost.ln < cost.ln || form.cost.r < cost.r || form.cost.p < cost.p;
}
