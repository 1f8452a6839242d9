/**
 * Shared building blocks of the fuzz suite (fast-check): arbitraries derived from a tool's
 * published JSON input schema (valid-ish values and deliberately broken ones), hostile JSON
 * values, run bounds (FUZZ_RUNS; FUZZ_BUDGET_MS in the long run) and the per-surface figures every fuzz file
 * reports. Other surfaces (e.g. raw JSON-RPC lines) build on these.
 */
import { appendFileSync } from "node:fs";
import fc from "fast-check";

/** The subset of JSON Schema our tool schemas use. */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
}

// Values that look like what a field holds, so generated calls get past validation and reach
// the API (demo ids from the local API's seed data, real catalog names, free aliases).
export const ID_POOL = [
  "a1b2c3d4-e5f6-7890-abcd-ef1234567890",
  "c1d2e3f4-5678-90ab-cdef-1234567890ab",
  "conn_slack_default",
  "conn_slack_bot",
  "conn_org_openai",
  "conn_gmail_user_123",
  "00000000-0000-4000-8000-000000000001",
  "wi_missing",
];
export const INTEGRATION_POOL = [
  "slack",
  "github",
  "kv-store",
  "openai",
  "gmail",
  "advanced-code",
  "storage",
  "ai-toolkit",
  "no-such-integration",
];
export const ALIAS_POOL = ["team_slack", "kv", "fuzz_a", "fuzz_b", "gh", "x-1", "slack"];
const WORDS = ["send", "message", "slack", "issue", "store", "email", "code", "", "ünïcødé"];

/** Awkward strings: empty, huge, control characters, path tricks, markup, lookalikes. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "",
    " ",
    ".",
    "..",
    "../../etc/passwd",
    "%2e%2e",
    "a/b",
    "a?b=c",
    "a#b",
    "\u0000",
    "\r\n",
    "'; DROP TABLE workspace_integrations; --",
    "<script>alert(1)</script>",
    "__proto__",
    "constructor",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "\uD800",
    "null",
    "true",
    "{}",
    "[]",
    "NaN",
  ),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.integer({ min: 1, max: 5 }).map((k) => "x".repeat(k * 20_000)),
);

/** Any JSON value, weighted towards the awkward ones. */
export const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: nastyString },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      -1,
      0,
      1.5,
      2 ** 53 + 1,
      -(2 ** 31),
      1e308,
      Number.MAX_SAFE_INTEGER,
      true,
      false,
      null,
      [],
      {},
      [null],
      { __proto__: { polluted: true } },
    ),
  },
  // Deep nesting.
  { weight: 1, arbitrary: fc.integer({ min: 50, max: 400 }).map((d) => nest(d)) },
);

function nest(depth: number): unknown {
  let v: unknown = "deep";
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
}

function types(schema: JsonSchema): string[] {
  if (schema.type === undefined) return [];
  return Array.isArray(schema.type) ? schema.type : [schema.type];
}

/** A string for a field, guided by its name and pattern. */
function stringFor(schema: JsonSchema, name: string): fc.Arbitrary<string> {
  const lower = name.toLowerCase();
  const free = fc.string({
    minLength: schema.minLength ?? 0,
    maxLength: Math.min(schema.maxLength ?? 30, 60),
  });
  if (lower === "alias" || lower === "newalias") {
    return fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...ALIAS_POOL) },
      { weight: 1, arbitrary: fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,20}$/) },
    );
  }
  if (lower === "id" || lower.endsWith("id")) {
    return fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...ID_POOL) },
      { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,30}$/) },
    );
  }
  if (lower === "integrationname" || lower === "name") {
    return fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...INTEGRATION_POOL) },
      { weight: 1, arbitrary: free },
    );
  }
  if (lower === "query" || lower === "search") {
    return fc
      .array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 4 })
      .map((w) => w.join(" "));
  }
  if (schema.pattern) {
    try {
      return fc.stringMatching(new RegExp(schema.pattern));
    } catch {
      // A pattern fast-check cannot generate from: fall back to free text.
    }
  }
  return free;
}

/**
 * Values that satisfy `schema` as published (JSON Schema), with field-aware strings. zod may
 * still refuse some of them (refinements the published schema leaves out): "valid-ish".
 */
export function validValue(schema: JsonSchema, name = ""): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const branches = schema.anyOf ?? schema.oneOf;
  if (branches) return fc.oneof(...branches.map((b) => validValue(b, name)));
  const ts = types(schema);
  if (ts.length > 1) return fc.oneof(...ts.map((t) => validValue({ ...schema, type: t }, name)));
  switch (ts[0]) {
    case "string":
      return stringFor(schema, name);
    case "integer": {
      const min = schema.minimum ?? -1_000;
      const max = schema.maximum ?? 1_000;
      return fc.oneof(fc.integer({ min, max }), fc.constantFrom(min, max));
    }
    case "number":
      return fc.double({
        min: schema.minimum ?? -1e6,
        max: schema.maximum ?? 1e6,
        noNaN: true,
        noDefaultInfinity: true,
      });
    case "boolean":
      return fc.boolean();
    case "null":
      return fc.constant(null);
    case "array":
      return fc.array(validValue(schema.items ?? {}, name), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 4, 4),
      });
    case "object":
      return objectFor(schema);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function objectFor(schema: JsonSchema): fc.Arbitrary<Record<string, unknown>> {
  const props = schema.properties ?? {};
  const keys = Object.keys(props);
  if (keys.length === 0) {
    // An open object (e.g. settings.localBrowser): a small dictionary of JSON values.
    return fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), {
      maxKeys: 3,
    });
  }
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const k of keys) model[k] = validValue(props[k] as JsonSchema, k);
  return fc.record(model, { requiredKeys: schema.required ?? [] }) as fc.Arbitrary<
    Record<string, unknown>
  >;
}

/** Tool arguments: mostly valid-ish objects, plus each way of breaking them. */
export function toolArgs(schema: JsonSchema): fc.Arbitrary<unknown> {
  const valid = objectFor(schema);
  const props = Object.keys(schema.properties ?? {});
  const required = schema.required ?? [];
  const broken: fc.Arbitrary<unknown>[] = [
    // One field holds something of the wrong kind.
    ...(props.length > 0
      ? [
          fc
            .tuple(valid, fc.constantFrom(...props), hostileJson)
            .map(([v, k, bad]) => ({ ...v, [k]: bad })),
        ]
      : []),
    // An unknown argument.
    fc
      .tuple(valid, fc.string({ minLength: 1, maxLength: 12 }), hostileJson)
      .filter(([, k]) => !props.includes(k))
      .map(([v, k, bad]) => ({ ...v, [k]: bad })),
    // Arguments sent as a JSON string (accepted) or as garbage text.
    valid.map((v) => JSON.stringify(v)),
    nastyString,
    // Not an object at all.
    fc.constantFrom(null, [], [1, 2], 42, true),
  ];
  if (required.length > 0) {
    broken.push(
      fc.tuple(valid, fc.constantFrom(...required)).map(([v, k]) => {
        const { [k]: _dropped, ...rest } = v;
        return rest;
      }),
    );
  }
  return fc.oneof({ weight: broken.length, arbitrary: valid }, ...broken);
}

/** `n` valid-ish argument objects for a tool, reproducible from `seed`. */
export function sampleValidArgs(
  schema: JsonSchema,
  n: number,
  seed: number,
): Record<string, unknown>[] {
  return fc.sample(objectFor(schema), { numRuns: n, seed });
}

/** FUZZ_RUNS when set (the long run), else this surface's small default for `npm test`. */
export function fuzzRuns(defaultRuns: number): number {
  const n = Number(process.env.FUZZ_RUNS);
  return Number.isInteger(n) && n > 0 ? n : defaultRuns;
}

/** True in the long run (`npm run fuzz`). */
export const LONG_RUN = Number(process.env.FUZZ_RUNS) > 0;

/**
 * fast-check parameters: the run count, FUZZ_SEED to replay a failure and, in the long run
 * only, a time budget (FUZZ_BUDGET_MS) after which stopping counts as a failure. `npm test`
 * sets no time limit: every planned case runs (a short run's count is small instead), and
 * FuzzStats.expectFloor fails a run that ran fewer, so a reported figure is a full one.
 */
export function fuzzParams(defaultRuns: number): fc.Parameters<unknown> {
  const seed = Number(process.env.FUZZ_SEED);
  return {
    numRuns: fuzzRuns(defaultRuns),
    ...(LONG_RUN
      ? {
          interruptAfterTimeLimit: Number(process.env.FUZZ_BUDGET_MS) || 9 * 60_000,
          markInterruptAsFailure: true,
        }
      : {}),
    ...(Number.isInteger(seed) ? { seed } : {}),
  };
}

/**
 * Vitest timeout for a fuzz test: its budget plus room to start and stop; a short run has no
 * budget, so this only catches a hang (two minutes, whatever the machine's load).
 */
export function fuzzTimeout(shortRunMs = 120_000): number {
  return LONG_RUN ? (Number(process.env.FUZZ_BUDGET_MS) || 9 * 60_000) + 30_000 : shortRunMs;
}

/** Which of `secrets` (or their long suffixes) occurs in `text`, if any. */
export function findSecret(text: string, secrets: readonly string[]): string | undefined {
  return secrets.find((s) => text.includes(s));
}

/** Per-surface figures: what the issue asks a fuzz run to report. */
export class FuzzStats {
  cases = 0;
  crashes = 0;
  unanswered = 0;
  leaks = 0;
  /** Requests the server refused (4xx or isError), and accepted ones. */
  rejected = 0;
  accepted = 0;
  readonly startedAt = performance.now();
  /** The cases this run must reach: its planned count (FUZZ_RUNS, else the default). */
  readonly floor: number;

  /** FLOOR overrides the planned count when a surface runs another number than FUZZ_RUNS. */
  constructor(
    readonly surface: string,
    defaultRuns: number,
    floor?: number,
  ) {
    this.floor = floor ?? fuzzRuns(defaultRuns);
  }

  /** Fails the run when it ran fewer cases than its floor (a quietly shortened run). */
  expectFloor(): void {
    if (this.cases < this.floor)
      throw new Error(
        `fuzz ${this.surface}: ran ${this.cases} case(s), below its floor of ${this.floor}`,
      );
  }

  /** One line on stderr, and a JSON line appended to FUZZ_REPORT when set. */
  report(): void {
    const figures = {
      surface: this.surface,
      cases: this.cases,
      floor: this.floor,
      crashes: this.crashes,
      unanswered: this.unanswered,
      leaks: this.leaks,
      rejected: this.rejected,
      accepted: this.accepted,
      seconds: Math.round((performance.now() - this.startedAt) / 100) / 10,
    };
    process.stderr.write(`[fuzz] ${JSON.stringify(figures)}\n`);
    if (process.env.FUZZ_REPORT)
      appendFileSync(process.env.FUZZ_REPORT, `${JSON.stringify(figures)}\n`);
  }
}
