import type { FieldIssue } from "../../domain/errors.js";
import { isSafeToken } from "../fence.js";
import { didYouMean } from "../suggest.js";
import { inToolTerms } from "../tool-terms.js";

/** Extra names to suggest from, per field, found by the caller (e.g. catalog names). */
export type Candidates = Partial<Record<string, readonly string[]>>;

/** The value the model sent for a dotted field path, if any. */
function givenValue(args: unknown, field: string): unknown {
  let v: unknown = args;
  for (const key of field.split(".")) {
    if (!v || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/** The names the model sent for a field that the allowed values do not hold. */
function rejectedNames(given: unknown, allowed: readonly unknown[]): string[] {
  const values = Array.isArray(given) ? given : [given];
  const ok = new Set(allowed.map(String));
  return values.filter((v): v is string => typeof v === "string" && !ok.has(v));
}

const MAX_ALLOWED_SHOWN = 40;

/**
 * One line per field issue: what is wrong, the closest valid names ("did you mean slack?"),
 * and what is allowed; never an empty "Allowed" list.
 */
export function describeIssues(
  issues: FieldIssue[],
  args: unknown,
  candidates: Candidates,
  data: Record<string, unknown>,
): string[] {
  return issues.map((i) => {
    let message = inToolTerms(i.message).replace(/;? ?did you mean [^?]*\?/i, "");
    if (!quotesOnlyTokens(message)) {
      data[`${i.field} (message)`] = message;
      message = "the message quotes stored text; it is in the data below";
    }
    const allowed = Array.isArray(i.allowed) ? (i.allowed as unknown[]) : undefined;
    const pool = allowed && allowed.length > 0 ? allowed.map(String) : candidates[i.field];
    let hint = "";
    const unknownArg = i.message.startsWith("unknown argument");
    const given = unknownArg ? i.field : givenValue(args, i.field);
    if (pool && pool.length > 0) {
      const misses = unknownArg ? [i.field] : rejectedNames(given, pool);
      const dym = misses
        .map((m) => {
          const d = didYouMean(m, pool);
          return d && misses.length > 1 ? `${JSON.stringify(m)}: ${d}` : d;
        })
        .filter(Boolean)
        .join("; ");
      if (dym) hint += ` ${dym.charAt(0).toUpperCase()}${dym.slice(1)}`;
    }
    if (allowed && allowed.length > 0) {
      hint += ` Allowed: ${formatAllowed(allowed)}.`;
    } else if (allowed) {
      // An empty list tells the model nothing; say where the valid values are instead.
      hint += " Nothing close is allowed here.";
    }
    return `- ${i.field}: ${message}.${hint}`.replace(/\.\./g, ".");
  });
}

function formatAllowed(allowed: readonly unknown[]): string {
  const shown = allowed
    .slice(0, MAX_ALLOWED_SHOWN)
    .map((a) => JSON.stringify(a))
    .join(", ");
  return allowed.length > MAX_ALLOWED_SHOWN ? `${shown}, … (${allowed.length} in all)` : shown;
}

/** A value safe to show outside a fence: null, a number or boolean, tokens or a list of them. */
export function isPlainFact(v: unknown): boolean {
  if (v === null || typeof v === "number" || typeof v === "boolean") return true;
  if (typeof v === "string") return isSafeToken(v);
  return Array.isArray(v) && v.every((x) => typeof x === "string" && isSafeToken(x));
}

/** True when every "quoted" part of a message is an identifier-like token. */
export function quotesOnlyTokens(message: string): boolean {
  for (const m of message.matchAll(/"([^"]*)"/g)) {
    if (!isSafeToken(m[1] ?? "")) return false;
  }
  return true;
}

/** "Did you mean" lines for arguments the API rejected without a field issue (e.g. a 404). */
export function suggestionsBeyondIssues(
  issues: FieldIssue[],
  args: Record<string, unknown>,
  candidates: Candidates,
): string[] {
  const covered = new Set(issues.map((i) => i.field.split(".")[0]));
  const lines: string[] = [];
  for (const [field, pool] of Object.entries(candidates)) {
    const given = args[field];
    if (covered.has(field) || !pool || typeof given !== "string") continue;
    const dym = didYouMean(given, pool);
    lines.push(
      `- ${field}: ${JSON.stringify(given)} is not known. ${dym ? `${dym.charAt(0).toUpperCase()}${dym.slice(1)}` : "No known name is close."}`,
    );
  }
  return lines;
}
