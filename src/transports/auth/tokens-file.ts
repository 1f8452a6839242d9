import { createHash, timingSafeEqual } from "node:crypto";
import { PRINCIPAL_AUTH_KEY } from "../../mcp/actor.js";
import { WORKSPACES_AUTH_KEY } from "../../mcp/scope.js";
import { AuthFailure, type AuthInfo, type TokenVerifier } from "./types.js";

/** One accepted token, held only as its SHA-256 digest. */
export interface TokenEntry {
  hash: Buffer;
  /** Label for logs and authInfo.clientId (`name=`), else "line N". */
  name: string;
  /**
   * Who the token belongs to, as the change journal names them (`label=`, e.g.
   * label=alice@example.com); else the name.
   */
  label: string;
  /** Workspace ids the token may use; undefined means all. */
  workspaces: readonly string[] | undefined;
  /** Whether the file holds the token itself rather than its digest. */
  plain: boolean;
}

/** A mistake in the tokens file; the message names the line, never its token. */
export class TokensFileError extends Error {
  override name = "TokensFileError";
}

/** Shortest plaintext token accepted: shorter ones are guessable. */
export const MIN_TOKEN_LENGTH = 16;

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest();

/**
 * Parses a tokens file. One token a line, then optional `key=value` fields, blank lines and
 * `#` comments ignored:
 *
 *     # alice: every workspace
 *     3f9c…long-random…   name=alice
 *     sha256:9b74c9…(64 hex)   name=bob workspaces=ws_1,ws_2
 *     5d1e…long-random…   name=ci label=deploy-bot
 *
 * `label=` names the token's holder in the change journal (default: the name).
 *
 * A token is written as itself or as `sha256:` and the hex SHA-256 of it (so the file need not
 * hold the secret). Either way only the digest is kept.
 */
export function parseTokensFile(text: string): TokenEntry[] {
  const entries: TokenEntry[] = [];
  const seen = new Map<string, number>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    // A comment starts with # at the line start or after a space (tokens never hold spaces).
    const content = (lines[i] as string).replace(/(^|\s)#.*$/, "").trim();
    if (content === "") continue;
    const [first, ...fields] = content.split(/\s+/) as [string, ...string[]];
    let hash: Buffer;
    if (first.toLowerCase().startsWith("sha256:")) {
      const hex = first.slice("sha256:".length);
      if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
        throw new TokensFileError(
          `line ${lineNo}: after "sha256:" put the 64 hex digits of the token's SHA-256 (e.g. from \`printf %s TOKEN | sha256sum\`).`,
        );
      }
      hash = Buffer.from(hex, "hex");
    } else {
      if (first.includes("=")) {
        throw new TokensFileError(
          `line ${lineNo}: a line starts with the token (or sha256:HEX), then key=value fields.`,
        );
      }
      if (first.length < MIN_TOKEN_LENGTH) {
        throw new TokensFileError(
          `line ${lineNo}: the token is shorter than ${MIN_TOKEN_LENGTH} characters; use a long random one (e.g. \`openssl rand -hex 32\`).`,
        );
      }
      hash = sha256(first);
    }
    let name = `line ${lineNo}`;
    let label: string | undefined;
    let workspaces: string[] | undefined;
    for (const field of fields) {
      const eq = field.indexOf("=");
      const key = eq > 0 ? field.slice(0, eq) : "";
      const value = field.slice(eq + 1);
      if (key === "name" && value !== "") name = value;
      else if (key === "label") {
        if (value === "" || value.length > 200) {
          throw new TokensFileError(
            `line ${lineNo}: label= needs 1-200 characters without spaces (e.g. label=alice@example.com).`,
          );
        }
        label = value;
      } else if (key === "workspaces") {
        workspaces = value.split(",").filter(Boolean);
        if (workspaces.length === 0) {
          throw new TokensFileError(
            `line ${lineNo}: workspaces= needs at least one workspace id (comma-separated, no spaces); leave it out to allow every workspace.`,
          );
        }
      } else {
        throw new TokensFileError(
          `line ${lineNo}: unknown field "${eq > 0 ? key : field}"; allowed: workspaces=ID,ID, name=NAME and label=LABEL.`,
        );
      }
    }
    const hex = hash.toString("hex");
    const dup = seen.get(hex);
    if (dup !== undefined) {
      throw new TokensFileError(`line ${lineNo}: the same token is already on line ${dup}.`);
    }
    seen.set(hex, lineNo);
    entries.push({
      hash,
      name,
      label: label ?? name,
      workspaces: workspaces && Object.freeze(workspaces),
      plain: !first.toLowerCase().startsWith("sha256:"),
    });
  }
  if (entries.length === 0) {
    throw new TokensFileError(
      "the file holds no token, so every request would be refused; add one token a line.",
    );
  }
  return entries;
}

/**
 * Who a token's holder is, for binding sessions and streams: the token's digest and its
 * workspace limit. Not its line number (reordering the file must not hand a session to
 * another token); a narrowed or widened limit is another principal, so a reload that changes
 * it ends what the old one had open.
 */
export function tokenPrincipal(e: Pick<TokenEntry, "hash" | "workspaces">): string {
  const reach = e.workspaces ? [...e.workspaces].sort().join(",") : "*";
  return `token:${e.hash.toString("hex")}:${reach}`;
}

/**
 * A verifier for static bearer tokens: the presented token is hashed and compared with every
 * entry in constant time (no early exit, equal-length digests), so timing tells nothing.
 */
export function tokenFileVerifier(entries: readonly TokenEntry[]): TokenVerifier {
  return async (token) => {
    const presented = sha256(token);
    let match: TokenEntry | undefined;
    for (const e of entries) {
      if (timingSafeEqual(presented, e.hash) && match === undefined) match = e;
    }
    if (!match) throw new AuthFailure(401, "invalid_token", "The bearer token is not accepted.");
    const info: AuthInfo = {
      token,
      clientId: match.name,
      scopes: [],
      // Sessions are bound to this: the same token, not just the same name.
      extra: {
        principal: tokenPrincipal(match),
        [PRINCIPAL_AUTH_KEY]: { kind: "bearer", label: match.label },
      },
    };
    if (match.workspaces)
      info.extra = { ...info.extra, [WORKSPACES_AUTH_KEY]: [...match.workspaces] };
    return info;
  };
}
