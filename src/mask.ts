/**
 * The one place that decides what a secret looks like in text leaving the process: the API
 * keys this process was configured with (registered by whoever holds them, whatever their
 * prefix) and anything shaped like a Weavz key or MCP bearer token (`wvz_…`, `mcp_…`).
 * The API client masks every upstream body it parses with it; results, errors and log lines
 * pass through it again as a safety net.
 */

const MASK = "***";
// A registered secret shorter than this would mask ordinary words; config requires 8+.
const MIN_SECRET_CHARS = 8;
// Token-shaped: a Weavz prefix, then 16+ token characters including a digit. Aliases
// (lowercase, usually short and wordy) rarely look like this; our keys and tokens always do.
const TOKEN = /(?<![A-Za-z0-9])(?:wvz|mcp)_(?=[A-Za-z0-9_-]*[0-9])[A-Za-z0-9_-]{16,}/g;
// Logs mask more eagerly: a false positive there costs nothing.
const LOG_TOKEN = /(?<![A-Za-z0-9])(?:wvz|mcp)_[A-Za-z0-9_-]{6,}/g;
const BEARER = /(Bearer\s+)[^\s"',]+/gi;

const known = new Set<string>();
// Longest first, so a key is masked whole before any registered part of it.
let ordered: string[] = [];

/**
 * Registers a secret this process holds (an API key): from now on it is masked wherever it
 * appears. Also registers the part after a `wvz_`/`mcp_` prefix, which upstreams echo alone.
 */
export function registerSecret(secret: string): void {
  const parts = [secret];
  const m = /^(?:wvz|mcp)_(.+)$/.exec(secret);
  if (m?.[1]) parts.push(m[1]);
  let added = false;
  for (const p of parts) {
    if (p.length >= MIN_SECRET_CHARS && !known.has(p)) {
      known.add(p);
      added = true;
    }
  }
  if (added) ordered = [...known].sort((a, b) => b.length - a.length);
}

function maskKnown(text: string): string {
  let out = text;
  for (const s of ordered) if (out.includes(s)) out = out.split(s).join(MASK);
  return out;
}

/**
 * Whether JSON text could hold anything {@link maskDeep} would change: a registered secret
 * (as is or JSON-escaped), a token prefix, or a `\u` escape that could spell either. When it
 * says no, the parsed value needs no walk (the common case, at about the cost of a search).
 */
export function mightHoldSecret(jsonText: string): boolean {
  if (jsonText.includes("wvz_") || jsonText.includes("mcp_") || jsonText.includes("\\u")) {
    return true;
  }
  for (const s of ordered) {
    if (jsonText.includes(s) || jsonText.includes(JSON.stringify(s).slice(1, -1))) return true;
  }
  return false;
}

/** Masks registered secrets and token-shaped strings in text meant for the model or a client. */
export function maskSecrets(text: string): string {
  const out = maskKnown(text);
  if (!out.includes("wvz_") && !out.includes("mcp_")) return out;
  return out.replace(TOKEN, (m) => `${m.slice(0, 4)}${MASK}`);
}

/**
 * Masks every string (and object key) of a JSON-like value in place and returns it. Meant for
 * freshly parsed or freshly built values; shared references are masked too (masking is
 * idempotent).
 */
export function maskDeep<T>(value: T): T {
  return walk(value, 0) as T;
}

// Parsed JSON cannot be cyclic; the depth bound guards against hand-built values that are.
const MAX_DEPTH = 200;

function walk(value: unknown, depth: number): unknown {
  if (typeof value === "string") return maskSecrets(value);
  if (value === null || typeof value !== "object" || depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = walk(value[i], depth + 1);
    return value;
  }
  const rec = value as Record<string, unknown>;
  for (const key of Object.keys(rec)) {
    const v = walk(rec[key], depth + 1);
    const k = maskSecrets(key);
    if (k !== key) {
      delete rec[key];
      rec[k] = v;
    } else if (v !== rec[key]) {
      rec[key] = v;
    }
  }
  return rec;
}

/** Masks API keys, bearer tokens and anything token-like in a log line. */
export function redact(text: string): string {
  return maskKnown(text)
    .replace(LOG_TOKEN, (m) => `${m.slice(0, 4)}${MASK}`)
    .replace(BEARER, (_m, g1: string) => `${g1}${MASK}`);
}
