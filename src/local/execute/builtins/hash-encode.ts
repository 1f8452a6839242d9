import { createHash, randomUUID } from "node:crypto";
import { actionFailed, type BuiltIn } from "../types.js";

/** hash-encode: hashing, encodings and UUIDs, all local. */
export const hashEncode: BuiltIn = {
  hash(ctx) {
    const { text, algorithm, encoding } = ctx.input as Record<string, string>;
    return {
      hash: createHash(algorithm as string)
        .update(text as string, "utf8")
        .digest(encoding as "hex" | "base64"),
    };
  },
  encode(ctx) {
    const { text, encoding } = ctx.input as Record<string, string>;
    const buf = Buffer.from(text as string, "utf8");
    const encoded =
      encoding === "url" ? encodeURIComponent(text as string) : buf.toString(encoding as "hex");
    return { encoded };
  },
  decode(ctx) {
    const { encoded, encoding } = ctx.input as Record<string, string>;
    try {
      if (encoding === "url") return { text: decodeURIComponent(encoded as string) };
      if (encoding === "hex" && !/^([0-9a-fA-F]{2})*$/.test(encoded as string)) {
        throw new Error("not an even-length hex string");
      }
      return { text: Buffer.from(encoded as string, encoding as "hex").toString("utf8") };
    } catch (err) {
      throw actionFailed(`Cannot decode the ${encoding} input: ${(err as Error).message}.`);
    }
  },
  generate_uuid(ctx) {
    const count = (ctx.input.count as number | undefined) ?? 1;
    if (!Number.isInteger(count) || count < 1 || count > 1000) {
      throw actionFailed("count must be an integer from 1 to 1000.");
    }
    return { uuids: Array.from({ length: count }, () => randomUUID()) };
  },
};
