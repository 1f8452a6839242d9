/**
 * The code sandbox against the escapes an attacker tried (issue 22), through the documented
 * interface (POST /api/v1/actions/execute on the real local API): each fails with a clear
 * error or finds nothing, nothing of the host shows in any answer, and the server keeps
 * serving. The memory and concurrency attacks on a spawned server are in
 * test/integration/sandbox-limits.test.ts; the same escapes, generated, in test/fuzz.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runJavaScript } from "../../src/local/execute/javascript.js";
import { useLocalApi } from "../helpers/local-api.js";

const env = useLocalApi({ demo: false });
const { call } = env;
const EXEC = "/api/v1/actions/execute";
/** In the server's environment: an escape reading the environment would show it. */
const CANARY = "canary-9f8e7d6c5b4a";
let ws = "";

const run = (code: string, inputs: unknown = {}) =>
  call("POST", EXEC, {
    workspaceId: ws,
    integrationName: "code",
    actionName: "run_code",
    input: { code, inputs },
  });

beforeAll(async () => {
  process.env.WEAVZ_SANDBOX_CANARY = CANARY;
  ws = (await call("POST", "/api/v1/workspaces", { name: "Sandbox", slug: "sandbox" })).body
    .workspace.id;
  for (const body of [
    { integrationName: "code" },
    {
      integrationName: "advanced-code",
      alias: "adv_ws",
      settings: { advancedCode: { timeoutSeconds: 5, storageMountScope: "workspace" } },
    },
    { integrationName: "advanced-code", alias: "adv_none" },
    {
      integrationName: "storage",
      alias: "files",
      settings: { persistence: { scope: "workspace" } },
    },
  ]) {
    const r = await call("POST", `/api/v1/workspaces/${ws}/integrations`, body);
    expect(r.status, r.text).toBe(201);
  }
});
afterAll(() => {
  delete process.env.WEAVZ_SANDBOX_CANARY;
});

/** Escapes that must fail with an error whose message matches. */
const REFUSED: [string, string, RegExp][] = [
  [
    "host Function via console.log",
    "return console.log.constructor('return process')()",
    /EvalError: Function is not available in the code sandbox/,
  ],
  [
    "host Function via inputs",
    "return inputs.constructor.constructor('return process')()",
    /EvalError: Function is not available/,
  ],
  [
    "Function via an async function",
    "return (async () => {}).constructor('return process')()",
    /EvalError: Function is not available/,
  ],
  [
    "Function via a generator",
    "return (function* () {}).constructor('return process')().next()",
    /EvalError: Function is not available/,
  ],
  [
    "Function via an error",
    "try { null.x } catch (e) { return e.constructor.constructor('return process')() }",
    /EvalError: Function is not available/,
  ],
  [
    "Function via Reflect.construct",
    "return Reflect.construct(Function, ['return process'])()",
    /EvalError: Function is not available/,
  ],
  ["global Function", "return Function('return this')()", /EvalError: Function is not available/],
  ["eval", "return eval('process')", /EvalError: eval is not available/],
  ["indirect eval", "return (0, globalThis.eval)('1')", /EvalError: eval is not available/],
  [
    "dynamic import of fs",
    "const fs = await import('fs'); return fs.readFileSync('/etc/passwd', 'utf8')",
    /modules are not available in the code sandbox \(import of "fs"\)/,
  ],
  [
    "dynamic import of child_process",
    "return (await import('node:child_process')).execSync('id').toString()",
    /modules are not available/,
  ],
  [
    "dynamic import of a file",
    "return await import('/proc/self/environ')",
    /modules are not available/,
  ],
  [
    "static import",
    "import { readFileSync } from 'fs';\nreturn readFileSync('/etc/passwd', 'utf8')",
    /import statements are refused/,
  ],
  [
    "require",
    "return require('fs').readFileSync('/etc/passwd', 'utf8')",
    /ReferenceError: .*require.* is not defined/,
  ],
  ["process.env", "return process.env", /ReferenceError: .*process.* is not defined/],
  ["process.argv", "return process.argv", /ReferenceError: .*process.* is not defined/],
  [
    "process.binding",
    "return process.binding('spawn_sync')",
    /ReferenceError: .*process.* is not defined/,
  ],
  [
    "child process via globalThis",
    "return globalThis.process.mainModule.require('child_process').execSync('id')",
    /TypeError/,
  ],
  [
    "fetch to /proc",
    "return await fetch('file:///proc/self/cmdline')",
    /ReferenceError: .*fetch.* is not defined/,
  ],
  [
    "a socket",
    "return new WebSocket('ws://127.0.0.1:1')",
    /ReferenceError: .*WebSocket.* is not defined/,
  ],
  [
    "XMLHttpRequest",
    "return new XMLHttpRequest()",
    /ReferenceError: .*XMLHttpRequest.* is not defined/,
  ],
  ["Deno / Bun / std / os", "return [Deno, Bun, std, os]", /ReferenceError/],
  [
    "the database through storage (not mounted)",
    "return await storage.read('local.db')",
    /ReferenceError: .*storage.* is not defined/,
  ],
];

/** Probes that run but must find nothing of the host. */
const EMPTY_HANDED =
  "return { g: Object.getOwnPropertyNames(globalThis).filter((k) => /^(process|require|module|Buffer|fetch|setTimeout|setImmediate|WebAssembly|__host|h|std|os)$/.test(k)), types: [typeof process, typeof require, typeof module, typeof Buffer, typeof fetch, typeof setTimeout, typeof WebAssembly], weavz: typeof weavz, storage: typeof storage };";

describe("the code sandbox refuses every escape with a clear error", () => {
  it.each(REFUSED)("%s", async (_name, code, message) => {
    const r = await run(code);
    expect(r.status, r.text).toBe(400);
    expect(r.body.code).toBe("ACTION_FAILED");
    expect(r.body.error).toMatch(message);
    expect(r.text).not.toContain(CANARY);
    expect(r.text).not.toMatch(/root:x:0:0|\/bin\/(ba)?sh|node_modules|at .*\.js:\d+/);
  });

  it("the code sees no host globals at all", async () => {
    const r = await run(EMPTY_HANDED);
    expect(r.status, r.text).toBe(200);
    expect(r.body.output.result).toEqual({
      g: [],
      types: Array(7).fill("undefined"),
      weavz: "undefined",
      storage: "undefined",
    });
  });

  it("replacing built-ins changes only the code's own world", async () => {
    const r = await run(
      "JSON.stringify = () => 'pwned'; Object.prototype.toJSON = () => 'x'; Promise.prototype.then = null; return 1",
    );
    // The code can break its own result, never the server: a clear failure, then business as usual.
    expect([200, 400]).toContain(r.status);
    const next = await run("return inputs.n + 1", { n: 1 });
    expect(next.body.output).toEqual({ result: 2, logs: [] });
  });

  it("deep recursion, a huge buffer, an endless promise and a huge result fail cleanly", async () => {
    const deep = await run("function f(n) { return f(n + 1) + 1 } return f(0)");
    expect(deep.body.error).toMatch(/stack overflow/);
    const buf = await run("return new ArrayBuffer(1.5 * 1024 * 1024 * 1024).byteLength");
    expect(buf.body.details).toMatchObject({ reason: "memory", memoryLimitMb: 64 });
    const never = await run("await new Promise(() => {})");
    expect(never.body.error).toMatch(/never settles/);
    const big = await run("return 'x'.repeat(2 * 1024 * 1024)");
    expect(big.body.details).toMatchObject({ reason: "output_too_large" });
    const nested = await run("let v = 1; for (let i = 0; i < 5000; i++) v = [v]; return v");
    expect(nested.body.details).toMatchObject({ reason: "output_too_deep", maxDepth: 100 });
  });

  it("ordinary code still works: inputs in, JSON out, console captured", async () => {
    const r = await run(
      "export const code = async (inputs) => { console.log('n is', inputs.n, {ok: true}); return { doubled: inputs.n * 2, at: new Date(0).toISOString(), re: /a+/.test('aa') }; };",
      { n: 21 },
    );
    expect(r.status, r.text).toBe(200);
    expect(r.body.output).toEqual({
      result: { doubled: 42, at: "1970-01-01T00:00:00.000Z", re: true },
      logs: ['n is 21 {"ok":true}'],
    });
  });

  it("console output is capped (100 lines of 2,000 characters) inside the sandbox", async () => {
    const r = await run("for (let i = 0; i < 150; i++) console.log('x'.repeat(5000)); return 1");
    expect(r.status, r.text).toBe(200);
    expect(r.body.output.logs).toHaveLength(100);
    expect(r.body.output.logs[0]).toHaveLength(2000);
  });

  it("deeply nested inputs are refused or run, never a 500", async () => {
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    const r = await call("POST", EXEC, undefined, {
      raw: `{"workspaceId":"${ws}","integrationName":"code","actionName":"run_code","input":{"code":"return 1","inputs":{"d":${deep}}}}`,
    });
    expect(r.status, r.text).toBeLessThan(500);
  });

  it("the server stays healthy after all of it", async () => {
    const list = await call("GET", "/api/v1/workspaces");
    expect(list.status).toBe(200);
    expect((await run("return 6 * 7")).body.output.result).toBe(42);
  });
});

describe("advanced-code: storage as storageMountScope mounts it, nothing else", () => {
  const adv = (alias: string, code: string) =>
    call("POST", EXEC, {
      workspaceId: ws,
      integrationName: "advanced-code",
      integrationAlias: alias,
      actionName: "run_code",
      input: { language: "javascript", code },
    });

  it("reads and writes the workspace's files, shared with a storage integration of that scope", async () => {
    const w = await adv(
      "adv_ws",
      "await storage.write('notes/a.txt', 'hello'); const list = await storage.list('notes/'); return { read: await storage.read('notes/a.txt'), paths: list.map((f) => f.path) };",
    );
    expect(w.status, w.text).toBe(200);
    expect(w.body.output.result).toEqual({ read: "hello", paths: ["notes/a.txt"] });
    const viaStorage = await call("POST", EXEC, {
      workspaceId: ws,
      integrationName: "storage",
      actionName: "read_file",
      input: { path: "notes/a.txt" },
    });
    expect(viaStorage.body.output.content).toBe("hello");
  });

  it("paths stay inside the scope; a missing file is an error the code can catch", async () => {
    const r = await adv(
      "adv_ws",
      "const out = []; for (const p of ['../local.db', '/etc/passwd', 'a/../../b', 'missing.txt']) { try { await storage.read(p); out.push('read'); } catch (e) { out.push(e.code); } } return out;",
    );
    expect(r.body.output.result).toEqual([
      "ACTION_FAILED",
      "ACTION_FAILED",
      "ACTION_FAILED",
      "ACTION_FAILED",
    ]);
  });

  it("storageMountScope end_user needs endUserId, and keeps each end user's files apart", async () => {
    const created = await call("POST", `/api/v1/workspaces/${ws}/integrations`, {
      integrationName: "advanced-code",
      alias: "adv_user",
      settings: { advancedCode: { storageMountScope: "end_user" } },
    });
    expect(created.status, created.text).toBe(201);
    const as = (endUserId: string | undefined, code: string) =>
      call("POST", EXEC, {
        workspaceId: ws,
        integrationName: "advanced-code",
        integrationAlias: "adv_user",
        actionName: "run_code",
        ...(endUserId ? { endUserId } : {}),
        input: { language: "javascript", code },
      });
    const none = await as(undefined, "return 1");
    expect(none.status).toBe(400);
    expect(none.body.code).toBe("VALIDATION_ERROR");
    expect(none.body.error).toMatch(/endUserId.*storageMountScope end_user/);
    await as("alice", "await storage.write('me.txt', 'alice'); return 1");
    const bob = await as("bob", "return (await storage.list()).map((f) => f.path)");
    expect(bob.body.output.result).toEqual([]);
    const alice = await as("alice", "return await storage.read('me.txt')");
    expect(alice.body.output.result).toBe("alice");
  });

  it("storageMountScope none mounts nothing", async () => {
    const r = await adv("adv_none", "return typeof storage");
    expect(r.body.output.result).toBe("undefined");
  });
});

describe("CODE-mode host objects lead nowhere", () => {
  it("weavz proxies, action results and action errors give no host Function", async () => {
    const out = await runJavaScript(
      `const tries = {
        proxy: () => weavz.constructor.constructor('return process')(),
        alias: () => weavz.kv.constructor.constructor('return process')(),
        action: () => weavz.kv.get.constructor('return process')(),
      };
      const got = {};
      for (const [k, f] of Object.entries(tries)) { try { got[k] = typeof f(); } catch (e) { got[k] = e.name; } }
      const value = await weavz.kv.get({ key: "a" });
      try { value.constructor.constructor('return process')(); } catch (e) { got.result = e.name; }
      try { await weavz.kv.fail({}); } catch (err) { try { err.constructor.constructor('return process')(); } catch (e) { got.error = e.name; } }
      return got;`,
      {},
      {
        timeoutSeconds: 5,
        host: async (_alias, action) => {
          if (action === "fail") throw { code: "NOPE", message: "no" };
          return { value: 1 };
        },
      },
    );
    // weavz.constructor is an alias proxy, whose "constructor" is an action: calling its
    // promise is a TypeError. Every real function's constructor is the refusing one.
    expect(out.result).toEqual({
      proxy: "TypeError",
      alias: "EvalError",
      action: "EvalError",
      result: "EvalError",
      error: "EvalError",
    });
  });
});
