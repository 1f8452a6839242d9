/**
 * Fuzz surface "sandbox" (issue 22), against the real local API (port 0, temporary database):
 * - escapes: generated programs that reach for the host through every object the code can
 *   touch (constructor chains, prototypes, Reflect, eval, import) with every payload the
 *   attack used; the answer is a result or ACTION_FAILED (never a 5xx), holds nothing of the
 *   host (environment canary, key, file contents, paths), and the server keeps answering;
 * - memory and concurrency: bursts of 1-40 runs allocating in every way the code can
 *   (ArrayBuffers, typed arrays, arrays, strings, maps) answer each run with a result,
 *   ACTION_FAILED or 429 RATE_LIMITED, never anything else;
 * - SSRF spellings: private IPv4 and IPv6 addresses written every way a URL allows (decimal,
 *   hex, octal, short forms, IPv4-mapped, NAT64, 6to4) are all classified private once the
 *   URL parser has read them, and a sample sent through the http built-in to a loopback
 *   server is refused without it ever being hit.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { privateKind } from "../../src/local/execute/net-guard.js";
import { client, startTestLocalApi, type TestLocalApi } from "../helpers/local-api.js";
import {
  FuzzStats,
  findSecret,
  fuzzParams,
  fuzzRuns,
  fuzzTimeout,
  LONG_RUN,
} from "./arbitraries.js";

const CANARY = "fuzz-canary-0a1b2c3d4e";
let api: TestLocalApi;
let call: ReturnType<typeof client>;
let ws = "";
let target: Server;
let targetPort = 0;
let targetHits = 0;

beforeAll(async () => {
  process.env.WEAVZ_FUZZ_CANARY = CANARY;
  target = createServer((_req, res) => {
    targetHits++;
    res.end(CANARY);
  });
  await new Promise<void>((r) => target.listen(0, "127.0.0.1", r));
  targetPort = (target.address() as AddressInfo).port;
  api = await startTestLocalApi({ demo: false });
  call = client(api.url, api.apiKey);
  ws = (await call("POST", "/api/v1/workspaces", { name: "Fuzz", slug: "fuzz" })).body.workspace.id;
  for (const integrationName of ["code", "http"]) {
    await call("POST", `/api/v1/workspaces/${ws}/integrations`, { integrationName });
  }
}, 30_000);

afterAll(async () => {
  delete process.env.WEAVZ_FUZZ_CANARY;
  await api?.close();
  target?.closeAllConnections();
  target?.close();
});

const runCode = (code: string) =>
  call("POST", "/api/v1/actions/execute", {
    workspaceId: ws,
    integrationName: "code",
    actionName: "run_code",
    input: { code, inputs: { a: [1], s: "x" } },
  });

const reachable = fc.constantFrom(
  "console",
  "console.log",
  "inputs",
  "inputs.a",
  "inputs.s",
  "[]",
  "({})",
  "Promise.resolve(1)",
  "(async () => {})",
  "(function* () {})",
  "(async function* () {})",
  "new Error('x')",
  "globalThis",
  "Math",
  "JSON",
  "Reflect",
  "new Proxy({}, {})",
  "Symbol.iterator",
  "new Map()",
  "/x/",
  "new Date()",
  "Object",
  "Array.prototype.map",
  "(() => { try { null.x } catch (e) { return e } })()",
);
const gadget = fc.constantFrom(
  (x: string) => `${x}.constructor`,
  (x: string) => `${x}.constructor.constructor`,
  (x: string) => `Object.getPrototypeOf(${x}).constructor`,
  (x: string) => `Reflect.getPrototypeOf(${x}).constructor.constructor`,
  (x: string) => `${x}.__proto__.constructor`,
  (x: string) => `${x}.__proto__.__proto__.constructor.constructor`,
  (x: string) =>
    `Object.getOwnPropertyDescriptor(Object.getPrototypeOf(${x}), 'constructor')?.value`,
);
const payload = fc.constantFrom(
  "return process",
  "return this",
  "return globalThis.process.env",
  "return process.mainModule.require('child_process').execSync('id').toString()",
  "return require('fs').readFileSync('/etc/passwd', 'utf8')",
  "return import('fs')",
  "return std.loadFile('/etc/passwd')",
  "return os.exec(['sh'])",
  `return process.env.WEAVZ_FUZZ_CANARY`,
);
const invoke = fc.constantFrom(
  (g: string, p: string) => `(${g})(${JSON.stringify(p)})()`,
  (g: string, p: string) => `new (${g})(${JSON.stringify(p)})()`,
  (g: string, p: string) => `Reflect.apply(${g}, null, [${JSON.stringify(p)}])()`,
  (g: string, p: string) => `Reflect.construct(${g}, [${JSON.stringify(p)}])()`,
  (_g: string, p: string) => `eval(${JSON.stringify(p.replace(/^return /, ""))})`,
  (_g: string, p: string) => `(0, eval)(${JSON.stringify(p.replace(/^return /, ""))})`,
  (_g: string, p: string) =>
    `await import(${JSON.stringify(p.includes("fs") ? "fs" : "child_process")})`,
);
const escapeProgram = fc.tuple(reachable, gadget, payload, invoke).map(([x, g, p, i]) => {
  const expr = i(g(x), p);
  return `try { const r = await (${expr}); return r === null || typeof r !== "object" ? String(r) : Object.getOwnPropertyNames(r); } catch (e) { return "E:" + (e && e.name) + ":" + (e && e.message); }`;
});
const program = fc.oneof(
  { weight: 8, arbitrary: escapeProgram },
  // Arbitrary text as code: syntax errors and oddities, never a crash.
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
);

/** What the host would show if an escape worked; none of it may appear in an answer. */
const HOST_SIGNS = [
  CANARY,
  "root:x:0:0",
  "node_modules",
  '"process"',
  '"require"',
  '"Buffer"',
  "uid=",
  '"pid"',
  '"argv"',
];

describe("fuzz: code sandbox escapes", () => {
  it(
    "every generated escape fails or finds nothing, and the server keeps answering",
    async () => {
      const runs = LONG_RUN ? Math.ceil(fuzzRuns(60) / 5) : 60;
      const stats = new FuzzStats("sandbox-escapes", 60, runs);
      try {
        await fc.assert(
          fc.asyncProperty(program, async (code) => {
            stats.cases++;
            const r = await runCode(code);
            if (r.status >= 500) {
              stats.crashes++;
              throw new Error(`${r.status} for ${code}: ${r.text.slice(0, 300)}`);
            }
            if (r.status === 200) stats.accepted++;
            else {
              expect(r.body.code, r.text).toBe("ACTION_FAILED");
              stats.rejected++;
            }
            const leak = findSecret(r.text, [...HOST_SIGNS, api.apiKey]);
            if (leak) {
              stats.leaks++;
              throw new Error(
                `host sign ${leak} in the answer to ${code}: ${r.text.slice(0, 300)}`,
              );
            }
          }),
          // A run costs a sandbox round trip: the long run does a fifth of FUZZ_RUNS.
          { ...fuzzParams(60), numRuns: runs },
        );
      } finally {
        stats.report();
      }
      expect((await call("GET", "/api/v1/workspaces")).status).toBe(200);
      stats.expectFloor();
      expect(stats.crashes + stats.leaks).toBe(0);
    },
    fuzzTimeout(),
  );
});

const allocation = fc.constantFrom(
  "new ArrayBuffer(1.5 * 1024 ** 3)",
  "new Uint8Array(512 * 1024 ** 2).fill(1)",
  "(() => { const a = []; for (;;) a.push(new ArrayBuffer(1024 * 1024)); })()",
  "(() => { const a = []; for (;;) a.push(new Float64Array(1e5).fill(Math.random())); })()",
  "(() => { let s = 'x'; for (;;) s += s; })()",
  "(() => { const m = new Map(); for (let i = 0; ; i++) m.set(i, { i, s: 'v' + i }); })()",
  "(() => { const a = []; for (;;) a.push([1, 2, 3, 4, 5, 6, 7, 8]); })()",
  "new Array(2 ** 31).fill(0)",
  "'x'.repeat(2 ** 30)",
  "(() => { const held = []; for (let i = 0; i < 40; i++) held.push(new Uint8Array(1 << 20).fill(i)); return held.length; })()",
);

describe("fuzz: memory and concurrency", () => {
  it(
    "bursts of allocating runs get a result, ACTION_FAILED or 429 busy, never anything else",
    async () => {
      const stats = new FuzzStats("sandbox-memory", 2, LONG_RUN ? 10 : 1);
      let peakRss = 0;
      try {
        await fc.assert(
          fc.asyncProperty(fc.array(allocation, { minLength: 1, maxLength: 40 }), async (codes) => {
            stats.cases++;
            const answers = await Promise.all(codes.map((c) => runCode(`return ${c}`)));
            peakRss = Math.max(peakRss, process.memoryUsage().rss);
            for (const r of answers) {
              if (r.status === 200) stats.accepted++;
              else if (r.status === 429) {
                expect(r.body.code).toBe("RATE_LIMITED");
                expect(r.body.error).toMatch(/busy.*retry in \d+ s/);
                stats.rejected++;
              } else if (r.status === 400) {
                expect(r.body.code, r.text).toBe("ACTION_FAILED");
                expect(
                  ["memory", "timeout", "error", "output_too_large", "output_too_deep"],
                  r.text,
                ).toContain(r.body.details.reason);
                stats.rejected++;
              } else {
                stats.crashes++;
                throw new Error(`${r.status}: ${r.text.slice(0, 300)}`);
              }
            }
          }),
          // A burst of 40 runs filling 64 MiB each takes seconds: a few bursts make the point.
          { ...fuzzParams(2), numRuns: LONG_RUN ? 10 : 1 },
        );
      } finally {
        stats.report();
        process.stderr.write(
          `[fuzz] sandbox-memory: peak RSS of the test process ${Math.round(peakRss / 2 ** 20)} MB\n`,
        );
      }
      expect((await call("GET", "/api/v1/workspaces")).status).toBe(200);
      stats.expectFloor();
      expect(stats.crashes).toBe(0);
    },
    fuzzTimeout(),
  );
});

/** A private IPv4 address, as four numbers. */
const privateV4 = fc.oneof(
  fc.tuple(fc.constant(127), fc.nat(255), fc.nat(255), fc.nat(255)),
  fc.tuple(fc.constant(10), fc.nat(255), fc.nat(255), fc.nat(255)),
  fc.tuple(fc.constant(172), fc.integer({ min: 16, max: 31 }), fc.nat(255), fc.nat(255)),
  fc.tuple(fc.constant(192), fc.constant(168), fc.nat(255), fc.nat(255)),
  fc.tuple(fc.constant(169), fc.constant(254), fc.nat(255), fc.nat(255)),
  fc.tuple(fc.constant(0), fc.nat(255), fc.nat(255), fc.nat(255)),
  fc.tuple(fc.constant(100), fc.integer({ min: 64, max: 127 }), fc.nat(255), fc.nat(255)),
);

/** One number written in decimal, hex or octal (the forms the URL parser reads). */
const num = (n: number) =>
  fc.constantFrom(
    String(n),
    `0x${n.toString(16)}`,
    `0X${n.toString(16).toUpperCase()}`,
    `0${n.toString(8)}`,
    `0x${"0".repeat(3)}${n.toString(16)}`,
  );

/** Every way a URL host may spell an IPv4 address. */
const v4Spelling = privateV4.chain(([a, b, c, d]) =>
  fc.oneof(
    fc.tuple(num(a), num(b), num(c), num(d)).map((p) => p.join(".")),
    fc.tuple(num(a), num(b), num(c * 256 + d)).map((p) => p.join(".")),
    fc.tuple(num(a), num(b * 65536 + c * 256 + d)).map((p) => p.join(".")),
    num(((a << 24) >>> 0) + b * 65536 + c * 256 + d),
    fc.constant(`[::ffff:${a}.${b}.${c}.${d}]`),
    fc.constant(`[::ffff:${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}]`),
    fc.constant(`[0:0:0:0:0:ffff:${a}.${b}.${c}.${d}]`),
    fc.constant(`[64:ff9b::${a}.${b}.${c}.${d}]`),
    fc.constant(`[2002:${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}::1]`),
  ),
);
const v6Private = fc.oneof(
  fc.constant("[::1]"),
  fc.constant("[::]"),
  fc.constant("[0000:0000:0000:0000:0000:0000:0000:0001]"),
  fc.integer({ min: 0xfc00, max: 0xfdff }).map((g) => `[${g.toString(16)}::1]`),
  fc.integer({ min: 0xfe80, max: 0xfebf }).map((g) => `[${g.toString(16)}::abcd]`),
  fc.integer({ min: 0xff00, max: 0xffff }).map((g) => `[${g.toString(16)}::2]`),
);
const privateHost = fc.oneof(
  { weight: 4, arbitrary: v4Spelling },
  { weight: 1, arbitrary: v6Private },
);

describe("fuzz: SSRF spellings", () => {
  it(
    "every spelling of a private address is private once parsed, and refused by http",
    async () => {
      const stats = new FuzzStats("sandbox-ssrf", 300);
      targetHits = 0;
      try {
        await fc.assert(
          fc.asyncProperty(privateHost, fc.nat(49), async (host, sample) => {
            stats.cases++;
            let hostname: string;
            try {
              hostname = new URL(`http://${host}:${targetPort}/`).hostname;
            } catch {
              stats.rejected++; // not a URL at all: nothing to connect to
              return;
            }
            const bare = hostname.replace(/^\[|\]$/g, "");
            if (!privateKind(bare)) {
              stats.leaks++;
              throw new Error(`${host} (parsed ${hostname}) was taken for public`);
            }
            // A sample goes through the real http built-in to a listening loopback server.
            if (sample === 0 || host.startsWith("127") || host.includes("ffff:127")) {
              const r = await call("POST", "/api/v1/actions/execute", {
                workspaceId: ws,
                integrationName: "http",
                actionName: "send_request",
                input: {
                  method: "GET",
                  url: `http://${host}:${targetPort}/`,
                  headers: {},
                  queryParams: {},
                  authType: "NONE",
                },
              });
              if (r.status >= 500) stats.crashes++;
              expect(r.body.details?.reason, `${host}: ${r.text}`).toBe("blocked_destination");
              expect(r.text).not.toContain(CANARY);
            }
            stats.rejected++;
          }),
          fuzzParams(300),
        );
      } finally {
        stats.report();
      }
      expect(targetHits).toBe(0);
      stats.expectFloor();
      expect(stats.crashes + stats.leaks).toBe(0);
    },
    fuzzTimeout(),
  );
});
