import { randomBytes } from "node:crypto";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** A secret token: prefix + 32 uniformly random base62 characters. */
export function generateToken(prefix: string): string {
  const length = prefix.length + 32;
  let out = prefix;
  while (out.length < length) {
    for (const b of randomBytes(48)) {
      // 248 = 4 × 62: rejection sampling keeps the characters uniform.
      if (b < 248 && out.length < length) out += BASE62[b % 62];
    }
  }
  return out;
}
