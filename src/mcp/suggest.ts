/**
 * "Did you mean …?" for names the model got slightly wrong: integration names, action names,
 * aliases, connection ids. Case-insensitive; an exact match ignoring case comes first, then
 * prefixes, substrings and small edit distances. Pure, so every error path can use it.
 */

import { editDistance } from "../domain/catalog-index.js";

const fold = (s: string) => s.toLowerCase().replace(/[\s_-]+/g, "");

/** Words of a name: split on spaces, _, -, and camelCase humps. */
const wordsOf = (s: string) =>
  s
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[\s_-]+/)
    .filter(Boolean);

/** Whether every character of `a` appears in `b` in order (a letter left out of `b`). */
function isSubsequence(a: string, b: string): boolean {
  let i = 0;
  for (let j = 0; j < b.length && i < a.length; j++) if (a[i] === b[j]) i++;
  return i === a.length;
}

/** Up to `max` candidates close to `input`, best first; empty when none is close. */
export function closestMatches(input: string, candidates: Iterable<string>, max = 3): string[] {
  const q = fold(input.trim());
  if (!q) return [];
  const qWords = wordsOf(input);
  // Allow more typos in longer names, but never so many that anything matches.
  const cap = q.length <= 4 ? 1 : q.length <= 8 ? 2 : 3;
  const scored: Array<[number, string]> = [];
  const seen = new Set<string>();
  for (const c of candidates) {
    if (seen.has(c)) continue;
    seen.add(c);
    const f = fold(c);
    if (!f) continue;
    let score: number | undefined;
    if (f === q) score = 0;
    else if (f.startsWith(q) || q.startsWith(f)) score = 1 + Math.abs(f.length - q.length) / 100;
    else if (q.length >= 3 && f.includes(q)) score = 2 + f.length / 1000;
    else {
      const d = editDistance(q, f, cap);
      // Same distance: a left-out letter ("slak" → slack) beats a changed one (slab).
      if (d <= cap) score = 2 + d - (isSubsequence(q, f) ? 0.5 : 0);
      else if (qWords.length > 1) {
        // Every word present, others added: create_integration → create_workspace_integration.
        const cWords = new Set(wordsOf(c));
        if (qWords.every((w) => cWords.has(w))) score = 2 + cap + 0.5;
      }
    }
    if (score !== undefined) scored.push([score, c]);
  }
  scored.sort((a, b) => a[0] - b[0] || a[1].localeCompare(b[1]));
  return scored.slice(0, max).map((s) => s[1]);
}

/** "did you mean slack?" / "did you mean slack or slack-bot?", or "" when nothing is close. */
export function didYouMean(input: string, candidates: Iterable<string>, max = 3): string {
  const close = closestMatches(input, candidates, max);
  if (close.length === 0) return "";
  const quoted = close.map((c) => JSON.stringify(c));
  const list =
    quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(", ")} or ${quoted.at(-1)}`;
  return `did you mean ${list}?`;
}
