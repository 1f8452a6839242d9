/**
 * One parser per kind of option value: whole number, boolean, URL, list, one of a set, a
 * pattern. Each takes the raw text (from the flag, or else the env twin) and `source`, the
 * option's two spellings ("--port / WEAVZ_PORT"), and throws a ConfigError naming both.
 * A parser for a secret never echoes what it was given.
 */

/** A mistake in flags or env, with a message meant for the user. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Turns an option's raw text into its value, or throws a ConfigError naming `source`. */
export type Parser<T> = (raw: string, source: string) => T;

/** Plain text, as given. */
export const text: Parser<string> = (raw) => raw;

/**
 * A whole number from MIN to MAX. `noun` words it in errors ("a whole number of milliseconds
 * from 1000 to 60000", or a `describe` of its own such as "a port number 0-65535").
 */
export function wholeNumber(
  min: number,
  max: number,
  opts: { unit?: string; describe?: string } = {},
): Parser<number> {
  const what =
    opts.describe ?? `a whole number${opts.unit ? ` of ${opts.unit}` : ""} from ${min} to ${max}`;
  return (raw, source) => {
    const n = Number(raw.trim());
    if (!/^\d+$/.test(raw.trim()) || n < min || n > max)
      throw new ConfigError(`${source} must be ${what} (got "${raw}").`);
    return n;
  };
}

const TRUE = new Set(["1", "true", "yes", "on"]);
const FALSE = new Set(["0", "false", "no", "off", ""]);

/** true/false, 1/0, yes/no, on/off (any case). */
export const bool: Parser<boolean> = (raw, source) => {
  const v = raw.trim().toLowerCase();
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  throw new ConfigError(`${source} must be true or false (got "${raw}").`);
};

/** One of VALUES, exactly. */
export function oneOf<const V extends string>(values: readonly V[]): Parser<V> {
  const words =
    values.length > 1 ? `${values.slice(0, -1).join(", ")} or ${values.at(-1)}` : values[0];
  return (raw, source) => {
    if ((values as readonly string[]).includes(raw)) return raw as V;
    throw new ConfigError(`${source} must be ${words} (got "${raw}").`);
  };
}

/** Text matching RE; `what` says what it must be ("a workspace id"). Never echoed if secret. */
export function matching(
  re: RegExp,
  what: string,
  opts: { secret?: boolean } = {},
): Parser<string> {
  return (raw, source) => {
    if (re.test(raw)) return raw;
    throw new ConfigError(`${source} must be ${what}${opts.secret ? "" : ` (got "${raw}")`}.`);
  };
}

/** Whether a host name or bind address only reaches this machine. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h);
}

/** What a URL option accepts. */
export interface UrlRule {
  /** Shown in errors after `kind`: "https://mcp.example.com/mcp". */
  example: string;
  /**
   * Allowed schemes, without the colon. `https-or-loopback` is https anywhere and plain http
   * only towards this machine (a test issuer); the default.
   */
  schemes?: "https-or-loopback" | "any" | readonly string[];
  /** What is expected, before the example in errors; default "a URL such as". */
  kind?: string;
  /** Credentials in the URL are part of the value (a Redis password), not a mistake. */
  credentials?: "allowed";
  /** Never echo the value (it may hold a password). */
  secret?: boolean;
}

/** An absolute URL of the allowed schemes, without a #fragment or (unless allowed) credentials. */
export function url(rule: UrlRule): Parser<URL> {
  const schemes = rule.schemes ?? "https-or-loopback";
  return (raw, source) => {
    const got = rule.secret ? "" : ` (got "${raw}")`;
    let u: URL | undefined;
    try {
      u = new URL(raw);
    } catch {
      u = undefined;
    }
    const scheme = u?.protocol.slice(0, -1) ?? "";
    if (!u?.hostname || (typeof schemes !== "string" && !schemes.includes(scheme))) {
      throw new ConfigError(
        `${source} must be ${rule.kind ?? "a URL such as"} ${rule.example}${got}.`,
      );
    }
    if (
      schemes === "https-or-loopback" &&
      u.protocol !== "https:" &&
      !(u.protocol === "http:" && isLoopbackHost(u.hostname))
    ) {
      throw new ConfigError(
        `${source} must be an https URL (plain http only for localhost) such as ${rule.example}${got}.`,
      );
    }
    if (u.hash || (rule.credentials !== "allowed" && (u.username || u.password))) {
      // Never echoed: the part that is wrong may be a password.
      throw new ConfigError(`${source} must not contain credentials or a #fragment.`);
    }
    return u;
  };
}

/** A list split on SEPARATOR (blanks dropped, entries trimmed), each entry parsed by EACH. */
export function list<T = string>(
  separator: string | RegExp,
  each: Parser<T> = text as Parser<T>,
): Parser<T[]> {
  return (raw, source) =>
    raw
      .split(separator)
      .map((s) => s.trim())
      .filter(Boolean)
      .map((entry) => each(entry, `${source} entries`));
}

/** Checks with PARSE but keeps the text as given (an origin compared verbatim). */
export function checked(parse: Parser<unknown>): Parser<string> {
  return (raw, source) => {
    parse(raw, source);
    return raw;
  };
}

/** A parser whose value is turned into another (never name an export `then`: a module with one is a thenable, and awaiting its import never settles) (a URL into its text, a switch inverted). */
export function mapped<A, B>(parse: Parser<A>, map: (value: A) => B): Parser<B> {
  return (raw, source) => map(parse(raw, source));
}
