import { timingSafeEqual } from "node:crypto";
import type { Store } from "../store.js";
import { hashKey } from "../tokens.js";

const REALM = 'Bearer realm="weavz-local-mcp"';

export type AuthOutcome = { ok: true; tokenHash: string } | { ok: false; response: Response };

function refuse(
  status: number,
  code: string,
  message: string,
  challenge?: { error: string; description: string },
): AuthOutcome {
  const headers: Record<string, string> = {};
  if (status === 401) {
    // RFC 6750: no error code when no credentials were sent at all.
    headers["www-authenticate"] = challenge
      ? `${REALM}, error="${challenge.error}", error_description="${challenge.description}"`
      : REALM;
  }
  return { ok: false, response: Response.json({ error: message, code }, { status, headers }) };
}

/**
 * Admits a request to MCP server `serverId` only with its static `mcp_` bearer token,
 * compared as SHA-256 hashes in constant time. Servers whose authMode is oauth have no token:
 * the local API runs no authorization server, so they cannot be reached locally.
 */
export function authenticate(store: Store, serverId: string, headers: Headers): AuthOutcome {
  const stored = store.mcpServerTokenHash(serverId);
  if (stored === undefined) {
    return refuse(404, "NOT_FOUND", `MCP server ${serverId} not found.`);
  }
  const header = headers.get("authorization");
  const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (stored === null) {
    const description =
      "This MCP server uses authMode oauth; the local API accepts only static bearer tokens. Set its authMode to bearer or oauth_and_bearer to get an mcp_ token.";
    return refuse(401, "UNAUTHORIZED", description, { error: "invalid_token", description });
  }
  if (!m?.[1]) {
    return refuse(
      401,
      "UNAUTHORIZED",
      header
        ? "Malformed Authorization header: send Authorization: Bearer mcp_<token>."
        : "Missing bearer token: send Authorization: Bearer mcp_<token> (the token shown when the MCP server was created).",
      header
        ? { error: "invalid_request", description: "Malformed Authorization header." }
        : undefined,
    );
  }
  const given = hashKey(m[1]);
  const expected = Buffer.from(stored, "hex");
  if (expected.length !== given.length || !timingSafeEqual(given, expected)) {
    return refuse(
      401,
      "UNAUTHORIZED",
      "Invalid bearer token for this MCP server (regenerating the token replaces the old one).",
      { error: "invalid_token", description: "The bearer token is not valid for this MCP server." },
    );
  }
  return { ok: true, tokenHash: stored };
}
