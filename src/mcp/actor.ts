import { userInfo } from "node:os";
import type { Actor, PrincipalKind } from "../domain/journal.js";
import { PRINCIPAL_KINDS } from "../domain/journal.js";

/**
 * Key in an authenticated request's `authInfo.extra` under which the transport's
 * authentication puts who the caller is for the change journal: `{kind, label}` (a tokens
 * file line's label, an OAuth subject).
 */
export const PRINCIPAL_AUTH_KEY = "weavzPrincipal";

/** The request meta key carrying a 2026-era client's name and version. */
const CLIENT_INFO_META_KEY = "io.modelcontextprotocol/clientInfo";

/** The person at this machine (stdio connections and the CLI): their OS user name. */
export function localUser(): string | null {
  try {
    return userInfo().username || null;
  } catch {
    return null;
  }
}

/** The actor of a CLI run. */
export function cliActor(version: string): Actor {
  return {
    client: { name: "weavz-mcp", version },
    principal: { kind: "cli", label: localUser() },
  };
}

const text = (v: unknown): string | undefined =>
  typeof v === "string" && v.length > 0 ? v.slice(0, 200) : undefined;

/**
 * Who makes a tool call: the MCP client (a 2026 request's clientInfo meta, else what the
 * 2025 session declared at initialize) and the principal the transport authenticated, else
 * `fallback` (stdio: the local user; unauthenticated HTTP: unknown).
 */
export function actorOf(
  authInfo: { extra?: Record<string, unknown> } | undefined,
  envelope: Record<string, unknown> | undefined,
  handshakeClient: { name?: unknown; version?: unknown } | undefined,
  fallback: Actor["principal"],
): Actor {
  const meta = envelope?.[CLIENT_INFO_META_KEY] as
    | { name?: unknown; version?: unknown }
    | undefined;
  const info = meta ?? handshakeClient;
  const name = text(info?.name);
  const raw = authInfo?.extra?.[PRINCIPAL_AUTH_KEY] as
    | { kind?: unknown; label?: unknown }
    | undefined;
  const kind =
    typeof raw?.kind === "string" && (PRINCIPAL_KINDS as readonly string[]).includes(raw.kind)
      ? (raw.kind as PrincipalKind)
      : undefined;
  return {
    client: name ? { name, version: text(info?.version) ?? "" } : null,
    principal: kind ? { kind, label: text(raw?.label) ?? null } : fallback,
  };
}
