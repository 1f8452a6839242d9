import { actionFailed, type BuiltIn } from "../types.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Reads a dotted path (`a.b.0.c`) from a value; undefined when absent. */
function getPath(value: unknown, path: string): unknown {
  let cur: unknown = value;
  for (const part of path.split(".")) {
    if (cur === null || typeof cur !== "object") return undefined;
    if (!Object.hasOwn(cur, part)) return undefined;
    cur = (cur as Obj)[part];
  }
  return cur;
}

/** A mapping's string values are paths into the input; objects nest; anything else is literal. */
function applyMapping(input: unknown, mapping: unknown): unknown {
  if (typeof mapping === "string") return getPath(input, mapping) ?? null;
  if (Array.isArray(mapping)) return mapping.map((m) => applyMapping(input, m));
  if (isObj(mapping)) {
    const out: Obj = {};
    for (const [k, m] of Object.entries(mapping)) out[k] = applyMapping(input, m);
    return out;
  }
  return mapping;
}

function deepMerge(a: unknown, b: unknown): unknown {
  if (!isObj(a) || !isObj(b)) return b;
  const out: Obj = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = Object.hasOwn(out, k) ? deepMerge(out[k], v) : v;
  return out;
}

type Condition = { field: string; operator?: string; value?: unknown };

function matches(item: unknown, c: Condition): boolean {
  const v = getPath(item, c.field);
  switch (c.operator ?? "equals") {
    case "equals":
    case "eq":
      return JSON.stringify(v) === JSON.stringify(c.value);
    case "not_equals":
    case "neq":
      return JSON.stringify(v) !== JSON.stringify(c.value);
    case "gt":
      return typeof v === "number" && typeof c.value === "number" && v > c.value;
    case "gte":
      return typeof v === "number" && typeof c.value === "number" && v >= c.value;
    case "lt":
      return typeof v === "number" && typeof c.value === "number" && v < c.value;
    case "lte":
      return typeof v === "number" && typeof c.value === "number" && v <= c.value;
    case "contains":
      return (
        (typeof v === "string" && typeof c.value === "string" && v.includes(c.value)) ||
        (Array.isArray(v) && v.some((x) => JSON.stringify(x) === JSON.stringify(c.value)))
      );
    case "exists":
      return v !== undefined && v !== null;
    default:
      throw actionFailed(
        `Unknown condition operator "${c.operator}"; use equals, not_equals, gt, gte, lt, lte, contains or exists.`,
      );
  }
}

/** Conditions: a list of {field, operator?, value?} (all must hold), or {field: value} equalities. */
function toConditions(raw: unknown): Condition[] {
  if (Array.isArray(raw)) {
    return raw.map((c, i) => {
      if (!isObj(c) || typeof c.field !== "string") {
        throw actionFailed(
          `conditions[${i}] must be an object with a string field (and operator, value).`,
        );
      }
      return c as Condition;
    });
  }
  if (isObj(raw)) return Object.entries(raw).map(([field, value]) => ({ field, value }));
  throw actionFailed(
    "conditions must be a list of {field, operator, value} or an object of field: value.",
  );
}

/** data-transformer: pure JSON reshaping, no outside service. */
export const dataTransformer: BuiltIn = {
  transform_json(ctx) {
    return { result: applyMapping(ctx.input.input, ctx.input.mapping) };
  },
  merge_objects(ctx) {
    const objects = ctx.input.objects as unknown[];
    if (!objects.every(isObj)) throw actionFailed("objects must be a list of JSON objects.");
    const list = objects as Obj[];
    let result: unknown;
    switch (ctx.input.strategy) {
      case "shallow":
        result = Object.assign({}, ...list);
        break;
      case "deep":
        result = list.reduce<unknown>((acc, o) => deepMerge(acc, o), {});
        break;
      case "first":
        // Earlier objects win: merge from the last to the first.
        result = Object.assign({}, ...[...list].reverse());
        break;
      default:
        result = Object.assign({}, ...list);
    }
    return { result };
  },
  filter_array(ctx) {
    const conditions = toConditions(ctx.input.conditions);
    const result = (ctx.input.array as unknown[]).filter((item) =>
      conditions.every((c) => matches(item, c)),
    );
    return { result, count: result.length };
  },
  batch_array(ctx) {
    const size = ctx.input.batchSize as number;
    if (!Number.isInteger(size) || size < 1)
      throw actionFailed("batchSize must be a positive integer.");
    const array = ctx.input.array as unknown[];
    const batches: unknown[][] = [];
    for (let i = 0; i < array.length; i += size) batches.push(array.slice(i, i + size));
    return { batches, count: batches.length };
  },
};
