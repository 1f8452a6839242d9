import { Worker } from "node:worker_threads";

/** Console output kept per run: beyond these the rest is dropped (and said so). */
const MAX_LOG_LINES = 200;
const MAX_LOG_CHARS = 20_000;
const MAX_MEMORY_MB = 128;

/** A failure of the user's code or of an action it called, as the model sees it. */
export interface CodeFailure {
  name: string;
  message: string;
  code?: string;
  details?: unknown;
}

export type CodeOutcome =
  | { ok: true; value: unknown; logs: string[] }
  | { ok: false; error: CodeFailure; logs: string[]; timedOut?: boolean };

/** Runs `weavz.<alias>.<action>(input)` for the code; rejects with a CodeFailure-shaped error. */
export type HostCall = (
  alias: string,
  action: string,
  input: unknown,
  signal: AbortSignal,
) => Promise<unknown>;

// The worker: the user's code runs as an async function body in a fresh vm context that
// holds only `weavz` and `console` (plus the language built-ins). This keeps the code away
// from require/process by accident, not against an attacker: it is not a sandbox for hostile
// code. Each weavz call is a message to the parent, which runs the action and answers.
const WORKER_SOURCE = `
"use strict";
const vm = require("node:vm");
const { parentPort, workerData } = require("node:worker_threads");
const pending = new Map();
let nextId = 0;
parentPort.on("message", (m) => {
  const p = pending.get(m.id);
  if (!p) return;
  pending.delete(m.id);
  if (m.ok) p.resolve(m.value);
  else {
    const e = new Error(m.error.message);
    if (m.error.code) e.code = m.error.code;
    if (m.error.details !== undefined) e.details = m.error.details;
    p.reject(e);
  }
});
function call(alias, action, input) {
  return new Promise((resolve, reject) => {
    const id = ++nextId;
    pending.set(id, { resolve, reject });
    try {
      parentPort.postMessage({ type: "call", id, alias, action, input: input === undefined ? {} : input });
    } catch (err) {
      pending.delete(id);
      reject(new TypeError("weavz." + alias + "." + action + ": the input must be plain JSON data (" + err.message + ")"));
    }
  });
}
const notThenable = (k) => typeof k !== "string" || k === "then";
const weavz = new Proxy(Object.create(null), {
  get(_, alias) {
    if (notThenable(alias)) return undefined;
    return new Proxy(Object.create(null), {
      get(_, action) {
        if (notThenable(action)) return undefined;
        return (input) => call(alias, action, input);
      },
    });
  },
});
const show = (v) => {
  if (typeof v === "string") return v;
  try { return JSON.stringify(v); } catch { return String(v); }
};
const log = (...args) => parentPort.postMessage({ type: "log", line: args.map(show).join(" ") });
const sandboxConsole = { log, info: log, warn: log, error: log, debug: log };
const context = vm.createContext({ weavz, console: sandboxConsole });
const failure = (err) => ({
  name: (err && err.name) || "Error",
  message: err && err.message !== undefined ? String(err.message) : String(err),
  ...(err && typeof err.code === "string" ? { code: err.code } : {}),
  ...(err && err.details !== undefined ? { details: err.details } : {}),
});
(async () => {
  try {
    const script = new vm.Script("(async () => {\\n" + workerData.code + "\\n})()", { filename: "weavz_execute.js", lineOffset: -1 });
    const value = await script.runInContext(context);
    const json = value === undefined ? null : JSON.parse(JSON.stringify(value) ?? "null");
    parentPort.postMessage({ type: "done", ok: true, value: json });
  } catch (err) {
    parentPort.postMessage({ type: "done", ok: false, error: failure(err) });
  }
})();
`;

/**
 * Runs JavaScript in a worker thread: `weavz.<alias>.<action>(input)` goes through `host`,
 * console lines are collected, and the code is stopped after timeoutMs (the worker is
 * terminated, however busy it is) or when `signal` aborts.
 */
export function runCode(
  code: string,
  timeoutMs: number,
  host: HostCall,
  signal?: AbortSignal,
): Promise<CodeOutcome> {
  return new Promise<CodeOutcome>((resolve) => {
    const logs: string[] = [];
    let logChars = 0;
    let truncated = false;
    const calls = new AbortController();
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { code },
      resourceLimits: { maxOldGenerationSizeMb: MAX_MEMORY_MB, stackSizeMb: 4 },
      // The worker must not write to our stdout: in stdio mode that carries JSON-RPC.
      stdout: true,
      stderr: true,
    });
    let settled = false;
    const finish = (outcome: CodeOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      calls.abort();
      if (truncated) outcome.logs.push("(further console output dropped)");
      void worker.terminate();
      resolve(outcome);
    };
    const timer = setTimeout(
      () =>
        finish({
          ok: false,
          timedOut: true,
          logs,
          error: {
            name: "TimeoutError",
            code: "TIMEOUT",
            message: `The code was stopped after ${timeoutMs / 1000} s; make it do less per call or raise timeoutSeconds (at most 60).`,
          },
        }),
      timeoutMs,
    );
    const onAbort = () =>
      finish({
        ok: false,
        logs,
        error: { name: "AbortError", code: "CANCELLED", message: "The call was cancelled." },
      });
    signal?.addEventListener("abort", onAbort, { once: true });
    if (signal?.aborted) onAbort();

    worker.on("message", (m: Record<string, unknown>) => {
      if (m.type === "log") {
        const line = String(m.line);
        if (logs.length >= MAX_LOG_LINES || logChars + line.length > MAX_LOG_CHARS) {
          truncated = true;
          return;
        }
        logChars += line.length;
        logs.push(line);
      } else if (m.type === "done") {
        finish(
          m.ok
            ? { ok: true, value: m.value, logs }
            : { ok: false, error: m.error as CodeFailure, logs },
        );
      } else if (m.type === "call") {
        const id = m.id as number;
        host(String(m.alias), String(m.action), m.input, calls.signal).then(
          (value) => {
            if (!settled) worker.postMessage({ id, ok: true, value });
          },
          (err: unknown) => {
            if (settled) return;
            const e = err as CodeFailure;
            worker.postMessage({
              id,
              ok: false,
              error: {
                message: e?.message ?? String(err),
                ...(e?.code ? { code: e.code } : {}),
                ...(e?.details !== undefined ? { details: e.details } : {}),
              },
            });
          },
        );
      }
    });
    worker.on("error", (err: Error & { code?: string }) => {
      const memory = err.code === "ERR_WORKER_OUT_OF_MEMORY";
      finish({
        ok: false,
        logs,
        error: {
          name: memory ? "RangeError" : err.name,
          code: memory ? "OUT_OF_MEMORY" : "CODE_FAILED",
          message: memory ? `The code ran out of memory (limit ${MAX_MEMORY_MB} MB).` : err.message,
        },
      });
    });
    worker.on("exit", () =>
      finish({
        ok: false,
        logs,
        error: {
          name: "Error",
          code: "CODE_FAILED",
          message: "The code stopped without a result.",
        },
      }),
    );
  });
}
