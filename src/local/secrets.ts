import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { chmodSync, linkSync, readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs";

/**
 * Connection secrets at rest: AES-256-GCM (node:crypto) under a key kept outside the database,
 * so a copied database file alone reveals nothing. Execution needs the values back, which
 * rules out a one-way hash. Each sealed value is bound to its connection id (GCM additional
 * data): a blob moved to another row does not open.
 */

/** Env var holding the key (64 hex characters or base64 of 32 bytes); else the key file. */
export const SECRET_KEY_ENV = "WEAVZ_LOCAL_SECRET_KEY";
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
// Format byte, so the scheme can change without guessing what a stored blob is.
const V1 = 1;

/** Where the key file of a database lives: next to it, `<db file>.secret-key`. */
export function secretKeyPath(dbPath: string): string {
  return `${dbPath}.secret-key`;
}

function parseKey(text: string, where: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, "hex") : Buffer.from(t, "base64");
  if (key.length !== KEY_BYTES) {
    throw new Error(
      `${where} must hold a 32-byte key as 64 hex characters or base64 (got ${key.length} bytes)`,
    );
  }
  return key;
}

/**
 * The key for a database: WEAVZ_LOCAL_SECRET_KEY when set; else the key file next to the
 * database, created (mode 0600, atomically, so two processes agree) on first use.
 */
export function loadSecretKey(dbPath: string, env: NodeJS.ProcessEnv = process.env): Buffer {
  const fromEnv = env[SECRET_KEY_ENV];
  if (fromEnv) return parseKey(fromEnv, SECRET_KEY_ENV);
  if (dbPath === ":memory:") return randomBytes(KEY_BYTES);
  const file = secretKeyPath(dbPath);
  // Written whole to a private temporary file, then linked into place: link() fails if the
  // file exists, so when two processes race, both read the one key that won, never half of it.
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  writeFileSync(tmp, `${randomBytes(KEY_BYTES).toString("hex")}\n`, { mode: 0o600, flag: "wx" });
  try {
    linkSync(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  } finally {
    unlinkSync(tmp);
  }
  // Group or world access to the key defeats keeping it apart: narrow it to the owner.
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  return parseKey(readFileSync(file, "utf8"), file);
}

/** Seals and opens secret values with one key. */
export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== KEY_BYTES) throw new Error("SecretBox needs a 32-byte key");
  }

  /** Encrypts a JSON value, bound to `context` (the row's id). */
  seal(value: unknown, context: string): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    cipher.setAAD(Buffer.from(context, "utf8"));
    const body = Buffer.concat([cipher.update(JSON.stringify(value), "utf8"), cipher.final()]);
    return Buffer.concat([Buffer.from([V1]), iv, cipher.getAuthTag(), body]);
  }

  /** Decrypts what {@link seal} made for the same context; throws if the key or context differ. */
  open(blob: Buffer, context: string): unknown {
    if (blob[0] !== V1 || blob.length < 1 + IV_BYTES + TAG_BYTES) {
      throw new Error("unknown secret format");
    }
    const iv = blob.subarray(1, 1 + IV_BYTES);
    const tag = blob.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
    const decipher = createDecipheriv("aes-256-gcm", this.key, iv);
    decipher.setAAD(Buffer.from(context, "utf8"));
    decipher.setAuthTag(tag);
    const text = Buffer.concat([
      decipher.update(blob.subarray(1 + IV_BYTES + TAG_BYTES)),
      decipher.final(),
    ]).toString("utf8");
    return JSON.parse(text);
  }
}
