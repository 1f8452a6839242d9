import { isIP } from "node:net";

/**
 * The http built-in's allow-list (`--http-allow HOST[:PORT],…`, WEAVZ_HTTP_ALLOW): private
 * destinations it may reach anyway, for local testing. Kept apart from net-guard.ts so that
 * the configuration can parse entries without loading undici.
 */

/** One `--http-allow` entry: a host (name or address), optionally one port. */
export interface HttpAllowEntry {
  host: string;
  port?: number;
}

let allowList: readonly HttpAllowEntry[] = [];

/**
 * Sets the process-wide allow-list (from --http-allow / WEAVZ_HTTP_ALLOW at start). It is per
 * process because the destinations a machine must protect are the machine's, not a request's.
 */
export function setHttpAllowList(entries: readonly HttpAllowEntry[]): void {
  allowList = Object.freeze([...entries]);
}

/** The host as the URL parser spells it (IPv4 in dotted form, IPv6 compressed), no brackets. */
function canonicalHost(host: string): string {
  const h =
    host.startsWith("[") && host.endsWith("]") ? host : isIP(host) === 6 ? `[${host}]` : host;
  return new URL(`http://${h}/`).hostname.replace(/^\[|\]$/g, "").toLowerCase();
}

/** Parses `HOST[:PORT],…`; throws an Error naming the bad entry. */
export function parseHttpAllow(text: string): HttpAllowEntry[] {
  const out: HttpAllowEntry[] = [];
  for (const raw of text.split(",")) {
    const entry = raw.trim();
    if (!entry) continue;
    const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]/\s@]+)(?::(\d{1,5}))?$/.exec(entry);
    const port = m?.[2] === undefined ? undefined : Number(m[2]);
    let host: string | undefined;
    try {
      host = m?.[1] ? canonicalHost(m[1]) : undefined;
    } catch {
      host = undefined;
    }
    if (!host || (port !== undefined && (port < 1 || port > 65535))) {
      throw new Error(
        `entries must be HOST or HOST:PORT, e.g. localhost:8080 or [::1]:9000 (got "${entry}")`,
      );
    }
    out.push(port === undefined ? { host } : { host, port });
  }
  return out;
}

/** Whether an entry lets the http built-in reach host:port although it is private. */
export function httpAllowed(host: string, port: number): boolean {
  if (allowList.length === 0) return false;
  let h: string;
  try {
    h = canonicalHost(host);
  } catch {
    return false;
  }
  return allowList.some((e) => e.host === h && (e.port === undefined || e.port === port));
}
