import { z } from "zod";

/**
 * Every tool result stays within TEXT_BUDGET bytes of text whatever the workspace size:
 * common clients cut or refuse larger tool outputs, and a 300 KB answer is ~75k tokens.
 * Items are taken in order until the next one would pass ITEM_BUDGET; the rest of the
 * budget is for the summary line and the data fence.
 */
export const TEXT_BUDGET = 8 * 1024;
export const ITEM_BUDGET = 6 * 1024;

/** `limit`/`offset` arguments of a tool that pages in the server. */
export function pageArgs(defaultLimit: number, max = 100) {
  return {
    limit: z.number().int().min(1).max(max).optional().describe(`Default ${defaultLimit}.`),
    offset: z.number().int().min(0).optional(),
  };
}

/** `nextOffset` in an output: where the next page starts, absent on the last page. */
export const NextOffsetOut = z.number().optional();

/** One page: the items that fit, their JSON texts, and where the next page starts. */
export interface Page<T> {
  items: T[];
  /** JSON.stringify of each item, kept so the result text need not serialize them again. */
  json: string[];
  nextOffset?: number;
}

/**
 * Takes up to `limit` items from `offset`, stopping early when their JSON would pass
 * `budget` bytes (always at least one item, so paging always advances).
 */
export function takePage<T>(
  all: readonly T[],
  offset: number,
  limit: number,
  budget = ITEM_BUDGET,
): Page<T> {
  const items: T[] = [];
  const json: string[] = [];
  let used = 2;
  const end = Math.min(all.length, offset + limit);
  for (let i = offset; i < end; i++) {
    const item = all[i] as T;
    const text = JSON.stringify(item);
    // UTF-16 length is a lower bound of the UTF-8 size; count bytes only when it is close.
    const size = (used + text.length * 3 > budget ? Buffer.byteLength(text) : text.length) + 1;
    if (items.length > 0 && used + size > budget) break;
    used += size;
    items.push(item);
    json.push(text);
  }
  const next = offset + items.length;
  return next < all.length ? { items, json, nextOffset: next } : { items, json };
}

/**
 * `{...head, [key]: items, ...tail}` as JSON text, built from the page's item texts: the
 * same string JSON.stringify gives for that object, without serializing the items twice.
 */
export function pageJson(
  head: Record<string, unknown>,
  key: string,
  itemsJson: readonly string[],
  tail: Record<string, unknown>,
): string {
  const h = JSON.stringify(head);
  const t = JSON.stringify(tail);
  const list = `${JSON.stringify(key)}:[${itemsJson.join(",")}]`;
  const open = h === "{}" ? `{${list}` : `${h.slice(0, -1)},${list}`;
  return t === "{}" ? `${open}}` : `${open},${t.slice(1)}`;
}

/**
 * The same budget for a page the API already cut (`offset`, `total` from the API): drops
 * what does not fit and says where to continue.
 */
export function fitApiPage<T>(
  items: readonly T[],
  offset: number,
  total: number,
  budget = ITEM_BUDGET,
): Page<T> {
  const page = takePage(items, 0, items.length, budget);
  const next = offset + page.items.length;
  const { items: kept, json } = page;
  return next < total ? { items: kept, json, nextOffset: next } : { items: kept, json };
}

/** "More: call TOOL {…, offset: N}." or "" on the last page. */
export function moreHint(tool: string, nextOffset: number | undefined, args: object = {}): string {
  if (nextOffset === undefined) return "";
  const shown: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args)) if (v !== undefined && k !== "offset") shown[k] = v;
  shown.offset = nextOffset;
  return ` More follow: call ${tool} ${JSON.stringify(shown)}.`;
}

/** Joins names for a summary line, cut to about `max` characters. */
export function nameList(names: readonly string[], max = 600): string {
  let out = "";
  for (let i = 0; i < names.length; i++) {
    const part = (i ? ", " : "") + names[i];
    if (out.length + part.length > max) return `${out}, … (${names.length - i} more)`;
    out += part;
  }
  return out;
}
