import type { IncomingMessage } from "node:http";
import type { AuthGate } from "./gate.js";
import type { AuthInfo } from "./types.js";

/** The parts of a node request the gate reads, as a web Request (the body stays unread). */
function webRequest(req: IncomingMessage): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  return new Request(`http://${req.headers.host ?? "localhost"}${req.url ?? "/"}`, {
    method: req.method ?? "GET",
    headers,
  });
}

/**
 * The gate as the HTTP transport's authentication hook: the caller's AuthInfo, or the
 * Response (metadata, 401, 403) to send instead.
 */
export function nodeAuthenticate(
  gate: AuthGate,
): (req: IncomingMessage) => Promise<AuthInfo | Response> {
  return async (req) => {
    const outcome = await gate.check(webRequest(req));
    return outcome instanceof Response ? outcome : outcome.authInfo;
  };
}
