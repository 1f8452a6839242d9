// One code-sandbox worker thread: runs submitted JavaScript in QuickJS compiled to
// WebAssembly, one run at a time. Plain JavaScript (not TypeScript) so that the same file runs
// from src/ under the tests and from dist/ (scripts/build.mjs copies it next to the bundle).
//
// The boundary is QuickJS itself: the code gets a fresh runtime and context per run, sees none
// of this thread's objects, and reaches the host only through the few functions below, which
// take and return strings. The runtime's allocator limit covers every allocation the code can
// make (objects, strings, ArrayBuffers); the WebAssembly memory's own maximum is a second
// fence; an interrupt handler enforces the deadline and the parent's stop flag.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { parentPort, workerData } from "node:worker_threads";
import variant from "@jitl/quickjs-wasmfile-release-sync";
import { newQuickJSWASMModuleFromVariant, newVariant } from "quickjs-emscripten-core";

const {
  flag: flagBuffer,
  memoryBytes,
  stackBytes,
  maxResultBytes,
  maxLogLines,
  maxLogLine,
  maxCallsInFlight,
} = workerData;
/** Set to non-zero by the parent to interrupt the running code (timeout, cancel). */
const stopFlag = new Int32Array(flagBuffer);
const PAGE = 64 * 1024;
/** QuickJS's own structures and the C stack live in the same memory as the code's data. */
const WASM_SLACK_BYTES = 32 * 1024 * 1024;
/** Largest JSON text of one weavz/storage call's input (a 5 MiB file is ~7 MiB as base64). */
const MAX_CALL_CHARS = 8 * 1024 * 1024;
/** Past this much WebAssembly memory after a run, the worker is retired to give it back. */
const RECYCLE_BYTES = 24 * 1024 * 1024;

const require = createRequire(import.meta.url);
const compiled = WebAssembly.compile(
  readFileSync(require.resolve("@jitl/quickjs-wasmfile-release-sync/wasm")),
);
let instance;

/** The QuickJS module, instantiated with a capped memory; replaced when it grew or broke. */
function quickjs() {
  instance ??= newQuickJSWASMModuleFromVariant(
    newVariant(variant, {
      wasmModule: () => compiled,
      // Emscripten's build declares 16 MiB initial memory; the maximum is the second fence.
      wasmMemory: new WebAssembly.Memory({
        initial: 256,
        maximum: Math.ceil((memoryBytes + WASM_SLACK_BYTES) / PAGE),
      }),
    }),
  );
  return instance;
}

// Runs inside QuickJS before the user's code, with the host functions as its only argument.
// It builds console, inputs, weavz and storage on top of them and keeps them in its closure,
// and replaces eval and every Function constructor with functions that refuse.
const PRELUDE = `(function (h) {
  "use strict";
  const parse = JSON.parse;
  const stringify = JSON.stringify;
  const text = (a) => {
    if (typeof a === "string") return a;
    try { const s = stringify(a); return s === undefined ? String(a) : s; } catch { return String(a); }
  };
  let lines = 0;
  // Cut in here, so an enormous line never crosses into the host.
  const log = (...args) => {
    if (lines++ < h.maxLines) h.log(args.map(text).join(" ").slice(0, h.maxLine));
  };
  globalThis.console = Object.freeze({ log, info: log, warn: log, error: log, debug: log });
  globalThis.inputs = parse(h.inputs);
  const call = (kind, a, b, value) => {
    let json;
    try { json = stringify(value === undefined ? {} : value); } catch (e) { json = undefined; }
    if (typeof json === "string" && json.length > h.maxCallChars) {
      return Promise.reject(new RangeError((kind === "action" ? "weavz." + a + "." + b : "storage." + a) + ": the input is larger than " + h.maxCallChars + " characters as JSON"));
    }
    if (typeof json !== "string") {
      return Promise.reject(new TypeError(kind === "action" ? "weavz." + a + "." + b + ": the input must be plain JSON data" : "storage." + a + ": the arguments must be plain JSON data"));
    }
    return h.call(kind, a, b, json).then(parse, (s) => {
      const f = parse(s);
      const e = new Error(f.message);
      if (f.code) e.code = f.code;
      if (f.details !== undefined) e.details = f.details;
      throw e;
    });
  };
  if (h.bridge) {
    // "then" stays undefined so that awaiting weavz or weavz.alias does not call an action.
    const skip = (k) => typeof k !== "string" || k === "then";
    globalThis.weavz = new Proxy(Object.create(null), {
      get: (_, alias) => skip(alias) ? undefined : new Proxy(Object.create(null), {
        get: (_, action) => skip(action) ? undefined : (input) => call("action", alias, action, input),
      }),
    });
  }
  if (h.storage) {
    globalThis.storage = Object.freeze({
      write: (path, content, options) => call("storage", "write", "", { ...(options || {}), path, content }),
      read: (path, options) => call("storage", "read", "", { ...(options || {}), path }),
      list: (prefix) => call("storage", "list", "", { prefix: prefix === undefined ? "" : prefix }),
      delete: (path) => call("storage", "delete", "", { path }),
    });
  }
  const refuse = (what) => function () {
    throw new EvalError(what + " is not available in the code sandbox; write the code directly");
  };
  const protos = [
    Function.prototype,
    Object.getPrototypeOf(async function () {}),
    Object.getPrototypeOf(function* () {}),
    Object.getPrototypeOf(async function* () {}),
  ];
  for (const proto of protos) {
    const ctor = refuse("Function");
    Object.defineProperty(ctor, "prototype", { value: proto });
    Object.defineProperty(proto, "constructor", { value: ctor, writable: false, configurable: false });
  }
  Object.defineProperty(globalThis, "Function", { value: Function.prototype.constructor, writable: false, configurable: false });
  Object.defineProperty(globalThis, "eval", { value: refuse("eval"), writable: false, configurable: false });
})`;

/** The user's code as one expression: a promise of its result's JSON text. */
function wrap(src) {
  let body;
  if (/^\s*export\s+const\s+code\s*=/m.test(src)) {
    body = `${src.replace(/^(\s*)export\s+const\s+code\s*=/m, "$1const code =")}\n;return await code(inputs);`;
  } else if (/^\s*export\s+default\s+/m.test(src)) {
    body = `const __default = ${src.replace(/^\s*export\s+default\s+/m, "")}\n;return typeof __default === 'function' ? await __default(inputs) : __default;`;
  } else {
    body = src;
  }
  return `(async () => {${body}\n})().then((v) => {
    let s;
    try { s = JSON.stringify(v === undefined ? null : v); } catch (e) { throw new TypeError("the result is not JSON-serialisable: " + e.message); }
    return s === undefined ? "null" : s;
  })`;
}

/** "Name: message" of a thrown QuickJS value (with .code first when the host set one). */
function describe(ctx, handle) {
  let v;
  try {
    v = ctx.dump(handle);
  } catch {
    return "Error: (an error that cannot be shown)";
  }
  if (v && typeof v === "object" && "message" in v) {
    return `${String(v.code || v.name || "Error")}: ${String(v.message)}`;
  }
  try {
    return `Error: ${typeof v === "string" ? v : JSON.stringify(v)}`;
  } catch {
    return `Error: ${String(v)}`;
  }
}

function reasonOf(message) {
  if (/\bout of memory\b/.test(message)) return "memory";
  if (/\binterrupted\b/.test(message)) return "interrupted";
  return "error";
}

/** The run in progress (at most one per worker). */
let current;

function finish(run, outcome) {
  if (run.done) return;
  run.done = true;
  current = undefined;
  for (const d of run.pending.values()) if (d.alive) d.dispose();
  run.pending.clear();
  try {
    run.promise?.dispose();
    run.ctx?.dispose();
    run.rt?.dispose();
  } catch {
    // A leak or a broken instance: start the next run on a fresh one.
    instance = undefined;
  }
  // A WebAssembly memory never shrinks, and a dropped one waits for this thread's garbage
  // collector: after a run that grew it (or broke the instance), the parent ends this worker
  // and starts a fresh one, which gives the memory back at once.
  const mem = run.memory;
  const retire = instance === undefined || !mem || mem.buffer.byteLength > RECYCLE_BYTES;
  parentPort.postMessage({ type: "done", id: run.id, logs: run.logs, retire, ...outcome });
}

/** Runs the code's pending jobs and reports the run once its promise settled. */
function pump(run) {
  if (run.done) return;
  try {
    for (;;) {
      const jobs = run.rt.executePendingJobs();
      if (jobs.error) {
        const message = describe(run.ctx, jobs.error);
        jobs.error.dispose();
        return finish(run, { ok: false, reason: reasonOf(message), error: message });
      }
      if (jobs.value === 0) break;
    }
    const state = run.ctx.getPromiseState(run.promise);
    if (state.type === "pending") {
      if (run.pending.size === 0) {
        finish(run, {
          ok: false,
          reason: "error",
          error: "Error: the code awaited a promise that never settles (there are no timers here)",
        });
      }
      return;
    }
    if (state.type === "rejected") {
      const message = describe(run.ctx, state.error);
      state.error.dispose();
      return finish(run, { ok: false, reason: reasonOf(message), error: message });
    }
    const value = state.value;
    const isString = run.ctx.typeof(value) === "string";
    let chars = 0;
    if (isString) {
      const len = run.ctx.getProp(value, "length");
      chars = run.ctx.getNumber(len);
      len.dispose();
    }
    // Longer than the limit in UTF-16 units is longer in UTF-8 bytes too: refused uncopied.
    if (chars > maxResultBytes) {
      if (!state.notAPromise) value.dispose();
      return finish(run, {
        ok: false,
        reason: "output_too_large",
        error: `the result is larger than ${maxResultBytes} bytes as JSON`,
      });
    }
    const json = isString ? run.ctx.getString(value) : undefined;
    if (!state.notAPromise) value.dispose();
    if (json === undefined) {
      return finish(run, { ok: false, reason: "error", error: "Error: the code gave no result" });
    }
    if (Buffer.byteLength(json) > maxResultBytes) {
      return finish(run, {
        ok: false,
        reason: "output_too_large",
        error: `the result is larger than ${maxResultBytes} bytes as JSON`,
      });
    }
    finish(run, { ok: true, json });
  } catch (err) {
    // The host side failed (e.g. the WebAssembly stack ran out): this instance is done for.
    instance = undefined;
    const message = err instanceof RangeError ? "InternalError: stack overflow" : String(err);
    finish(run, { ok: false, reason: "error", error: message });
  }
}

/** The host functions the prelude receives; everything else stays outside QuickJS. */
function hostObject(run, msg) {
  const { ctx } = run;
  const h = ctx.newObject();
  const log = ctx.newFunction("log", (line) => {
    if (run.logs.length < maxLogLines) run.logs.push(ctx.getString(line).slice(0, maxLogLine));
  });
  const call = ctx.newFunction("call", (kind, a, b, json) => {
    const deferred = ctx.newPromise();
    const k = ctx.getString(kind);
    const fa = ctx.getString(a);
    const fb = ctx.getString(b);
    if (run.pending.size >= maxCallsInFlight) {
      const e = ctx.newString(
        JSON.stringify({
          message: `at most ${maxCallsInFlight} calls may wait at once; await some before starting more`,
          code: "TOO_MANY_CALLS",
        }),
      );
      deferred.reject(e);
      e.dispose();
      return deferred.handle;
    }
    const jsonText = ctx.getString(json);
    const callId = ++run.calls;
    run.pending.set(callId, deferred);
    parentPort.postMessage({
      type: "call",
      id: run.id,
      callId,
      kind: k,
      a: fa,
      b: fb,
      json: jsonText,
    });
    return deferred.handle;
  });
  const inputs = ctx.newString(msg.inputs);
  ctx.setProp(h, "log", log);
  ctx.setProp(h, "call", call);
  ctx.setProp(h, "inputs", inputs);
  for (const [k, v] of [
    ["maxLines", maxLogLines],
    ["maxLine", maxLogLine],
    ["maxCallChars", MAX_CALL_CHARS],
  ]) {
    const n = ctx.newNumber(v);
    ctx.setProp(h, k, n);
    n.dispose();
  }
  ctx.setProp(h, "bridge", msg.bridge ? ctx.true : ctx.false);
  ctx.setProp(h, "storage", msg.storage ? ctx.true : ctx.false);
  log.dispose();
  call.dispose();
  inputs.dispose();
  return h;
}

async function start(msg) {
  const run = { id: msg.id, logs: [], pending: new Map(), calls: 0, done: false };
  current = run;
  let mod;
  try {
    mod = await quickjs();
  } catch (err) {
    instance = undefined;
    return finish(run, { ok: false, reason: "error", error: `the sandbox did not start: ${err}` });
  }
  if (run.done) return;
  run.memory = mod.getWasmMemory();
  const rt = mod.newRuntime();
  run.rt = rt;
  rt.setMemoryLimit(memoryBytes);
  rt.setMaxStackSize(stackBytes);
  const deadline = Date.now() + msg.timeoutMs;
  rt.setInterruptHandler(() => Atomics.load(stopFlag, 0) !== 0 || Date.now() > deadline);
  rt.setModuleLoader((name) => ({
    error: new Error(`modules are not available in the code sandbox (import of "${name}")`),
  }));
  run.ctx = rt.newContext();
  const { ctx } = run;
  try {
    const prelude = ctx.evalCode(PRELUDE, "prelude.js");
    const fn = ctx.unwrapResult(prelude);
    const h = hostObject(run, msg);
    const r = ctx.callFunction(fn, ctx.undefined, h);
    fn.dispose();
    h.dispose();
    ctx.unwrapResult(r).dispose();
  } catch (err) {
    return finish(run, { ok: false, reason: "error", error: `the sandbox did not start: ${err}` });
  }
  if (/^\s*import\s*[\w{*'"]/m.test(msg.code)) {
    return finish(run, {
      ok: false,
      reason: "error",
      error:
        "SyntaxError: modules are not available in the code sandbox (import statements are refused)",
    });
  }
  let result;
  try {
    result = ctx.evalCode(wrap(msg.code), "code.js");
  } catch (err) {
    instance = undefined;
    const message = err instanceof RangeError ? "InternalError: stack overflow" : String(err);
    return finish(run, { ok: false, reason: "error", error: message });
  }
  if (result.error) {
    const message = describe(ctx, result.error);
    result.error.dispose();
    return finish(run, { ok: false, reason: reasonOf(message), error: message });
  }
  run.promise = result.value;
  pump(run);
}

/** A host call's answer: settles the code's promise, then lets the code continue. */
function reply(msg) {
  const run = current;
  if (!run || run.id !== msg.id || run.done) return;
  const deferred = run.pending.get(msg.callId);
  if (!deferred) return;
  run.pending.delete(msg.callId);
  const s = run.ctx.newString(msg.ok ? msg.json : JSON.stringify(msg.error));
  if (msg.ok) deferred.resolve(s);
  else deferred.reject(s);
  s.dispose();
  if (deferred.alive) deferred.dispose();
  pump(run);
}

// Get the instance ready before the first run arrives (a fresh worker is often spawned ahead).
quickjs().catch(() => {
  instance = undefined;
});

parentPort.on("message", (msg) => {
  if (msg.type === "run") {
    void start(msg);
  } else if (msg.type === "reply") {
    reply(msg);
  } else if (msg.type === "stop") {
    const run = current;
    if (run && run.id === msg.id) {
      finish(run, { ok: false, reason: "interrupted", error: "InternalError: interrupted" });
    }
  }
});
