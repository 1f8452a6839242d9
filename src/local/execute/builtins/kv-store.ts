import type { Store } from "../../store/index.js";
import { actionFailed, type BuiltIn, type RunContext } from "../types.js";

/** Largest JSON-encoded value one key may hold. */
const MAX_VALUE_BYTES = 256 * 1024;
const MAX_KEY_LENGTH = 512;

function key(ctx: RunContext): string {
  const k = ctx.input.key as string;
  if (k.length === 0 || k.length > MAX_KEY_LENGTH) {
    throw actionFailed(`key must be 1-${MAX_KEY_LENGTH} characters (got ${k.length}).`);
  }
  return k;
}

function encode(value: unknown): string {
  const text = JSON.stringify(value);
  if (Buffer.byteLength(text) > MAX_VALUE_BYTES) {
    throw actionFailed(`value is larger than ${MAX_VALUE_BYTES / 1024} KiB once JSON-encoded.`);
  }
  return text;
}

function read(store: Store, scope: string, k: string): unknown {
  const row = store.kv.get(scope, k);
  return row === undefined ? undefined : JSON.parse(row);
}

function write(store: Store, scope: string, k: string, value: unknown): void {
  store.kv.put(scope, k, encode(value));
}

/** A list update is read-modify-write: one IMMEDIATE transaction so concurrent writers serialise. */
function updateList(ctx: RunContext, change: (list: unknown[]) => unknown[]): unknown[] {
  const scope = ctx.scope();
  const k = key(ctx);
  const { store } = ctx;
  return store.immediate(() => {
    const current = read(store, scope, k);
    if (current !== undefined && !Array.isArray(current)) {
      throw actionFailed(
        `Key "${k}" holds a ${typeof current}, not a list; delete it or use another key.`,
      );
    }
    const next = change((current as unknown[] | undefined) ?? []);
    write(store, scope, k, next);
    return next;
  });
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** kv-store: JSON values by key, in SQLite, under the persistence scope. */
export const kvStore: BuiltIn = {
  put(ctx) {
    const k = key(ctx);
    write(ctx.store, ctx.scope(), k, ctx.input.value);
    return { key: k, value: ctx.input.value };
  },
  get(ctx) {
    const k = key(ctx);
    const value = read(ctx.store, ctx.scope(), k);
    return { key: k, value: value ?? null, found: value !== undefined };
  },
  delete(ctx) {
    const k = key(ctx);
    return { key: key(ctx), deleted: ctx.store.kv.delete(ctx.scope(), k) };
  },
  add_to_list(ctx) {
    const value = ctx.input.value;
    return { key: key(ctx), value: updateList(ctx, (list) => [...list, value]) };
  },
  remove_from_list(ctx) {
    const value = ctx.input.value;
    return { key: key(ctx), value: updateList(ctx, (list) => list.filter((v) => !same(v, value))) };
  },
};
