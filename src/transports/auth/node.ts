import type { IncomingMessage, ServerResponse } from "node:http";
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

/** Writes a web Response to a node response. */
async function sendWebResponse(res: ServerResponse, response: Response): Promise<void> {
  const body = Buffer.from(await response.arrayBuffer());
  res.writeHead(response.status, {
    ...Object.fromEntries(response.headers),
    "content-length": body.length,
  });
  res.end(body);
}

/**
 * Runs the gate on a node request. Resolves with the caller's AuthInfo, or with undefined
 * once it has answered the request itself (metadata, 401, 403).
 */
export async function authenticateNode(
  gate: AuthGate,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<AuthInfo | undefined> {
  const outcome = await gate.check(webRequest(req));
  if (outcome instanceof Response) {
    await sendWebResponse(res, outcome);
    return undefined;
  }
  return outcome.authInfo;
}
