import { type LookupAddress, lookup } from "node:dns";
import { isIP, type LookupFunction } from "node:net";
import { buildConnector } from "undici";
import { httpAllowed } from "./http-allow.js";

/**
 * Where the http built-in may connect. Private destinations (loopback, private, link-local
 * with the cloud metadata address, unique-local, unspecified, multicast, reserved) are refused
 * unless allow-listed: the check runs in the connector, on the address the connection really
 * uses, for the first request and every redirect hop alike. A name is resolved once, checked,
 * and the socket connects to exactly the checked addresses, so DNS cannot answer differently
 * between the check and the connection.
 */

function v4Bytes(ip: string): number[] {
  return ip.split(".").map(Number);
}

function classifyV4(ip: string): string | undefined {
  const [a = 0, b = 0, c = 0] = v4Bytes(ip);
  if (a === 0) return "unspecified";
  if (a === 127) return "loopback";
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return "private";
  if (a === 169 && b === 254) return "link-local (cloud metadata)";
  if (a === 100 && b >= 64 && b <= 127) return "shared (carrier-grade NAT)";
  if (a === 192 && b === 0 && (c === 0 || c === 2)) return "reserved";
  if (a === 198 && (b === 18 || b === 19)) return "reserved (benchmarking)";
  if ((a === 198 && b === 51 && c === 100) || (a === 203 && b === 0 && c === 113)) {
    return "reserved (documentation)";
  }
  if (a >= 224 && a <= 239) return "multicast";
  if (a >= 240) return "reserved";
  return undefined;
}

/** The eight 16-bit groups of an IPv6 address (with an embedded dotted IPv4 tail). */
function v6Groups(ip: string): number[] {
  let text = ip.toLowerCase().replace(/%.*$/, "");
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail?.[1]) {
    const [a = 0, b = 0, c = 0, d = 0] = v4Bytes(tail[1]);
    text = `${text.slice(0, -tail[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = "", rest] = text.split("::");
  const h = head ? head.split(":") : [];
  const r = rest === undefined ? [] : rest ? rest.split(":") : [];
  const fill = rest === undefined ? [] : new Array(8 - h.length - r.length).fill("0");
  return [...h, ...fill, ...r].map((g) => Number.parseInt(g, 16) || 0);
}

const v4Of = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;

function classifyV6(ip: string): string | undefined {
  const g = v6Groups(ip);
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const zeroTo = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeroTo(8)) return "unspecified";
  if (zeroTo(7) && g7 === 1) return "loopback";
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-translated (NAT64 64:ff9b::a.b.c.d): the IPv4 decides.
  if (zeroTo(5) && g5 === 0xffff) return classifyV4(v4Of(g6, g7));
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) {
    return classifyV4(v4Of(g6, g7));
  }
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 1) return "private (local NAT64)";
  // 6to4 (2002:a.b.c.d::/48) carries an IPv4 address too.
  if (g0 === 0x2002) return classifyV4(v4Of(g1, g2));
  if (zeroTo(6)) return "reserved (IPv4-compatible)";
  if ((g0 & 0xfe00) === 0xfc00) return "unique-local";
  if ((g0 & 0xffc0) === 0xfe80) return "link-local";
  if ((g0 & 0xffc0) === 0xfec0) return "site-local";
  if ((g0 & 0xff00) === 0xff00) return "multicast";
  if (g0 === 0x2001 && g1 === 0xdb8) return "reserved (documentation)";
  if (g0 === 0x100 && g1 === 0 && g2 === 0 && g3 === 0) return "reserved (discard)";
  return undefined;
}

/** Why an address is refused (e.g. "loopback"), or undefined for a public address. */
export function privateKind(ip: string): string | undefined {
  const family = isIP(ip);
  if (family === 4) return classifyV4(ip);
  if (family === 6) return classifyV6(ip);
  return "not an IP address";
}

/** A refused destination; the http built-in words it as ACTION_FAILED blocked_destination. */
export class BlockedDestination extends Error {
  override name = "BlockedDestination";
  readonly code = "WEAVZ_BLOCKED_DESTINATION";
  constructor(
    readonly host: string,
    readonly port: number,
    readonly address: string,
    readonly kind: string,
  ) {
    super(
      `${host}${address !== host ? ` (${address})` : ""} is a private destination (${kind}); the http built-in does not connect to private destinations. To allow it for local testing, start the server with --http-allow ${host.includes(":") ? `[${host}]` : host}:${port} (or WEAVZ_HTTP_ALLOW).`,
    );
  }
}

/** dns.lookup that refuses a name when any of its addresses is private. */
function guardedLookup(host: string, port: number): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, "", 0);
      for (const a of addresses) {
        const kind = privateKind(a.address);
        if (kind) return callback(new BlockedDestination(host, port, a.address, kind), "", 0);
      }
      const first = addresses[0];
      if (!first) return callback(new Error(`${hostname} has no address`), "", 0);
      if ((options as { all?: boolean }).all) {
        (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      } else callback(null, first.address, first.family);
    });
  };
}

const plainConnect = buildConnector({});

/**
 * undici's `connect` for the http built-in's agents: an allow-listed host:port connects as
 * usual; an address literal is checked here; a name is checked by its lookup, whose checked
 * answer is what the socket connects to.
 */
export const guardedConnect: buildConnector.connector = (opts, callback) => {
  const host = opts.hostname.replace(/^\[|\]$/g, "");
  const port = Number(opts.port) || (opts.protocol === "https:" ? 443 : 80);
  if (httpAllowed(host, port)) return plainConnect(opts, callback);
  if (isIP(host)) {
    const kind = privateKind(host);
    if (kind) return callback(new BlockedDestination(host, port, host, kind), null);
    return plainConnect(opts, callback);
  }
  const connect = buildConnector({ lookup: guardedLookup(host, port) });
  return connect(opts, callback);
};
