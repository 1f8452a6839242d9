import type { IncomingMessage, ServerResponse } from "node:http";
import { errorReply } from "./jsonrpc-guard.js";

/** Writes a JSON body with its length. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** A JSON-RPC error reply with no id (the one error shape of the host), as an HTTP answer. */
export function rpcError(
  res: ServerResponse,
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, errorReply(null, code, message), headers);
}

/** The body went over the limit; the rest of it is being drained. */
export class BodyTooLarge extends Error {}
/** The client went away before its body was read: nothing to answer, nothing to log. */
export class ClientGone extends Error {}

/** Past the limit a body is read and discarded up to this much more, then the socket closed. */
const DRAIN_LIMIT_BYTES = 16 * 1024 * 1024;

/**
 * Reads a request body up to `limit` bytes. Over it, rejects with BodyTooLarge and keeps
 * reading (and discarding) the rest, so the 413 reaches a client that is still sending
 * instead of a reset connection; a client sending far more is cut off after the answer.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? "0");
    const chunks: Buffer[] = [];
    let size = 0;
    let over = declared > limit;
    const fail = (err: Error) => {
      req.removeAllListeners("data");
      reject(err);
    };
    const tooLarge = () => {
      over = true;
      chunks.length = 0;
      let drained = 0;
      req.removeAllListeners("data");
      req.on("data", (chunk: Buffer) => {
        drained += chunk.length;
        if (drained > DRAIN_LIMIT_BYTES) req.destroy();
      });
      reject(new BodyTooLarge());
    };
    if (over) {
      tooLarge();
      return;
    }
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        tooLarge();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (!over) resolve(Buffer.concat(chunks).toString("utf8"));
    });
    req.on("aborted", () => fail(new ClientGone()));
    req.on("error", () => fail(new ClientGone()));
  });
}

/** Writes a web Response (from an authentication hook) to a Node response. */
export async function sendWebResponse(res: ServerResponse, response: Response): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, key) => {
    headers[key] = value;
  });
  res.writeHead(response.status, headers);
  res.end(Buffer.from(await response.arrayBuffer()));
}

/** Headers of a Node request as web Headers (for the SDK's era classification). */
export function webHeaders(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers.set(key, Array.isArray(value) ? value.join(", ") : value);
  }
  return headers;
}

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

function hostnameOf(hostHeader: string): string {
  if (hostHeader.startsWith("["))
    return hostHeader.slice(0, hostHeader.indexOf("]") + 1).toLowerCase();
  return (hostHeader.split(":")[0] ?? "").toLowerCase();
}

/**
 * The Origin half of the DNS-rebinding defence: absent (not a browser), loopback http(s), or
 * one of the extra origins. Never "the same as Host": a rebound name sends its own Host, so
 * that comparison would admit exactly the page it is meant to stop.
 */
export function originGuard(allowedOrigins: readonly string[]): (req: IncomingMessage) => boolean {
  const extraOrigins = new Set(allowedOrigins.map((o) => new URL(o).origin));
  return (req) => {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    if (extraOrigins.has(origin)) return true;
    try {
      const u = new URL(origin);
      return (
        (u.protocol === "http:" || u.protocol === "https:") &&
        LOOPBACK_HOSTS.has(u.hostname.toLowerCase())
      );
    } catch {
      return false;
    }
  };
}

/**
 * DNS-rebinding defence: a page on a foreign site must not reach a loopback server. Host
 * names allowed: loopback, the bound interface, those of the extra origins; Origins as
 * {@link originGuard}.
 */
export function rebindingGuard(
  boundHost: string,
  allowedOrigins: readonly string[],
): { hostAllowed(req: IncomingMessage): boolean; originAllowed(req: IncomingMessage): boolean } {
  const allowedHostNames = new Set([
    ...LOOPBACK_HOSTS,
    ...allowedOrigins.map((o) => new URL(o).hostname),
  ]);
  const bound = boundHost.toLowerCase();
  if (bound !== "0.0.0.0" && bound !== "::")
    allowedHostNames.add(bound.includes(":") ? `[${bound}]` : bound);
  return {
    hostAllowed: (req) => {
      const host = req.headers.host;
      return host !== undefined && allowedHostNames.has(hostnameOf(host));
    },
    originAllowed: originGuard(allowedOrigins),
  };
}
