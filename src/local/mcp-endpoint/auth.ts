import { bearerToken } from "../api-keys.js";
import { KeyCheckBusy, type KeyChecker } from "../key-check.js";
import type { Store } from "../store/index.js";
import type { SourceBudget } from "./source-budget.js";

const REALM = 'Bearer realm="weavz-local-mcp"';

export type AuthOutcome = { ok: true; tokenHash: string } | { ok: false; response: Response };

function refuse(
  status: 401 | 404 | 429,
  code: string,
  message: string,
  challenge?: { error: string; description: string },
  retryAfterSeconds = 1,
): AuthOutcome {
  const headers: Record<string, string> = {};
  if (status === 429) headers["retry-after"] = String(retryAfterSeconds);
  if (status === 401) {
    // RFC 6750: no error code when no credentials were sent at all.
    headers["www-authenticate"] = challenge
      ? `${REALM}, error="${challenge.error}", error_description="${challenge.description}"`
      : REALM;
  }
  return { ok: false, response: Response.json({ error: message, code }, { status, headers }) };
}

/**
 * Admits a request to MCP server `serverId` only with its static `mcp_` bearer token, checked
 * against its stored (salted) form by the KeyChecker: the KDF runs once per token and
 * process, later requests hit the cache. Servers whose authMode is oauth have no token: the
 * local API runs no authorization server, so they cannot be reached locally.
 */
export async function authenticate(
  store: Store,
  keys: KeyChecker,
  serverId: string,
  headers: Headers,
  budget?: { limits: SourceBudget; source: string },
): Promise<AuthOutcome> {
  const stored = store.mcpServers.tokenHash(serverId);
  if (stored === undefined) {
    return refuse(404, "NOT_FOUND", `MCP server ${serverId} not found.`);
  }
  const header = headers.get("authorization");
  const token = bearerToken(header);
  if (stored === null) {
    const description =
      "This MCP server uses authMode oauth; the local API accepts only static bearer tokens. Set its authMode to bearer or oauth_and_bearer to get an mcp_ token.";
    return refuse(401, "UNAUTHORIZED", description, { error: "invalid_token", description });
  }
  if (!token) {
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
  const tag = keys.tag(`mcp:${serverId}`, token);
  // Valid only against the form stored now: a regenerated token has a new one.
  if (keys.verifiedForm(tag) === stored) return { ok: true, tokenHash: stored };
  // An unrecognised token costs a KDF run: within its source's budget only.
  const over = budget?.limits.begin(budget.source);
  if (over) {
    return refuse(
      429,
      "RATE_LIMITED",
      "Too many unrecognised tokens from this client; retry later with the MCP server's token.",
      undefined,
      over.retryAfterSeconds,
    );
  }
  let current: string | undefined;
  try {
    current = await keys.match(tag, token, [stored], (old, fresh) =>
      store.mcpServers.replaceTokenHash(serverId, old, fresh),
    );
  } catch (err) {
    budget?.limits.end(budget.source, false);
    if (!(err instanceof KeyCheckBusy)) throw err;
    return refuse(
      429,
      "RATE_LIMITED",
      "Too many requests with unrecognised tokens are being checked; retry in a second.",
    );
  }
  budget?.limits.end(budget.source, current === undefined);
  if (current === undefined) {
    return refuse(
      401,
      "UNAUTHORIZED",
      "Invalid bearer token for this MCP server (regenerating the token replaces the old one).",
      { error: "invalid_token", description: "The bearer token is not valid for this MCP server." },
    );
  }
  return { ok: true, tokenHash: current };
}
