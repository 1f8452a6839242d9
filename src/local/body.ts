import type { IncomingMessage } from "node:http";
import { ApiError } from "./errors.js";

/** Largest JSON body any local route (REST or MCP) accepts. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** After a 413 the rest of the body is read and dropped (never buffered) up to this much; then the socket is closed. */
const MAX_DISCARD_BYTES = 16 * 1024 * 1024;

/**
 * Whether a Content-Type declares JSON: application/json or application/*+json, any
 * parameters (charset) and any letter case. A body without a Content-Type is read as JSON.
 */
export function isJsonType(header: string): boolean {
  const mime = (header.split(";")[0] ?? "").trim().toLowerCase();
  return mime === "application/json" || /^application\/[a-z0-9.!#$&^_-]+\+json$/.test(mime);
}

/**
 * Reads a JSON body up to MAX_BODY_BYTES; 413 beyond it (without buffering the rest).
 * Resolves undefined for an empty body; 415 for a body whose Content-Type is not JSON.
 * Works on the node request so that every route,
 * including a local MCP endpoint (which can hand the result to the SDK as `parsedBody`),
 * shares one limit and one error envelope.
 */
export function readJson(req: IncomingMessage): Promise<unknown> {
  const declared = Number(req.headers["content-length"]);
  const tooLarge = () =>
    new ApiError(
      413,
      "PAYLOAD_TOO_LARGE",
      `Request body exceeds ${MAX_BODY_BYTES} bytes (1 MiB).`,
      { limitBytes: MAX_BODY_BYTES },
    );
  const discard = () => {
    // Nothing more is buffered. The rest is read and dropped so the client, which may still
    // be sending, gets the 413 instead of a reset; past MAX_DISCARD_BYTES the socket is dropped.
    let dropped = 0;
    req.removeAllListeners("data");
    req.on("data", (chunk: Buffer) => {
      dropped += chunk.length;
      if (dropped > MAX_DISCARD_BYTES) req.socket.destroy();
    });
    req.resume();
  };
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) {
    discard();
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on("data", (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        done = true;
        chunks.length = 0;
        discard();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (done) return;
      done = true;
      const text =
        chunks.length === 1
          ? (chunks[0] as Buffer).toString("utf8")
          : Buffer.concat(chunks).toString("utf8");
      if (text.trim() === "") {
        resolve(undefined);
        return;
      }
      // Checked once the body is read, so the connection stays in step for the next request.
      const type = req.headers["content-type"];
      if (type !== undefined && !isJsonType(type)) {
        reject(
          new ApiError(
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            `Request bodies must be JSON: send Content-Type: application/json (got "${type.slice(0, 100)}").`,
            {
              contentType: type.slice(0, 100),
              accepted: ["application/json", "application/*+json"],
            },
          ),
        );
        return;
      }
      try {
        resolve(JSON.parse(text));
      } catch (err) {
        reject(
          new ApiError(
            400,
            "INVALID_JSON",
            `The request body is not valid JSON: ${(err as Error).message}`,
          ),
        );
      }
    });
    req.on("error", (err) => {
      if (done) return;
      done = true;
      reject(err);
    });
  });
}
