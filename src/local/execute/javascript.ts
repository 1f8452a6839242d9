import { Worker } from "node:worker_threads";
import { actionFailed } from "./types.js";

/** Heap limit of one code run; past it the worker dies and the run fails. */
export const CODE_MEMORY_MB = 64;
const MAX_LOG_LINES = 100;
const MAX_LOG_LINE = 2000;

// Runs inside the worker (CommonJS, eval'd). The user's code gets a fresh vm context with no
// require, process, fetch or timers of ours: this stops mistakes, NOT hostile code (a vm
// context can be escaped). The worker gives the real limits: its own heap (resourceLimits)
// and terminate() from the parent on timeout.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const vm = require("node:vm");
const logs = [];
const line = (args) => {
  if (logs.length >= ${MAX_LOG_LINES}) return;
  logs.push(args.map((a) => { try { return typeof a === "string" ? a : JSON.stringify(a); } catch { return String(a); } }).join(" ").slice(0, ${MAX_LOG_LINE}));
};
const sandbox = {
  console: { log: (...a) => line(a), info: (...a) => line(a), warn: (...a) => line(a), error: (...a) => line(a), debug: (...a) => line(a) },
  inputs: workerData.inputs,
};
// With a host (CODE-mode MCP servers), weavz.<alias>.<action>(input) asks the parent to run
// the action and resolves with its output; a failure rejects with an Error carrying .code.
if (workerData.bridge) {
  const pending = new Map();
  let nextId = 0;
  parentPort.on("message", (m) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.ok) return p.resolve(m.value);
    const e = new Error(m.error.message);
    if (m.error.code) e.code = m.error.code;
    if (m.error.details !== undefined) e.details = m.error.details;
    p.reject(e);
  });
  const call = (alias, action, input) => new Promise((resolve, reject) => {
    const id = ++nextId;
    pending.set(id, { resolve, reject });
    try {
      parentPort.postMessage({ type: "call", id, alias, action, input: input === undefined ? {} : input });
    } catch (e) {
      pending.delete(id);
      reject(new TypeError("weavz." + alias + "." + action + ": the input must be plain JSON data"));
    }
  });
  // "then" stays undefined so that awaiting weavz or weavz.alias does not call an action.
  const skip = (k) => typeof k !== "string" || k === "then";
  sandbox.weavz = new Proxy(Object.create(null), {
    get: (_, alias) => skip(alias) ? undefined : new Proxy(Object.create(null), {
      get: (_, action) => skip(action) ? undefined : (input) => call(alias, action, input),
    }),
  });
}
const context = vm.createContext(sandbox, { codeGeneration: { strings: false, wasm: false } });
let src = workerData.code;
let wrapped;
if (/^\\s*export\\s+const\\s+code\\s*=/m.test(src)) {
  wrapped = "(async () => {" + src.replace(/^(\\s*)export\\s+const\\s+code\\s*=/m, "$1const code =") + "\\n;return await code(inputs);})()";
} else if (/^\\s*export\\s+default\\s+/m.test(src)) {
  wrapped = "(async () => {const __default = " + src.replace(/^\\s*export\\s+default\\s+/m, "") + "\\n;return typeof __default === 'function' ? await __default(inputs) : __default;})()";
} else {
  wrapped = "(async () => {" + src + "\\n})()";
}
(async () => {
  try {
    const result = await vm.runInContext(wrapped, context, { filename: "code.js" });
    let json;
    try { json = JSON.stringify(result === undefined ? null : result); } catch (e) { throw new Error("the result is not JSON-serialisable: " + e.message); }
    parentPort.postMessage({ type: "done", ok: true, result: JSON.parse(json), logs });
  } catch (e) {
    const message = e && typeof e === "object" && "message" in e ? String(e.code || e.name || "Error") + ": " + String(e.message) : String(e);
    parentPort.postMessage({ type: "done", ok: false, error: message.slice(0, 2000), logs });
  }
})();
`;

let running = 0;

/** How many code workers are alive right now (tests check that cancelled runs end). */
export function activeCodeRuns(): number {
  return running;
}

/**
 * Runs `weavz.<alias>.<action>(input)` for the code (CODE-mode MCP servers). A rejection with
 * `{code, message, details}` becomes an Error with those fields inside the code.
 */
export type CodeHost = (
  alias: string,
  action: string,
  input: unknown,
  signal: AbortSignal,
) => Promise<unknown>;

export interface CodeRunOptions {
  timeoutSeconds: number;
  signal?: AbortSignal | undefined;
  /** Exposes `weavz` to the code; its calls run here, in the parent. */
  host?: CodeHost;
}

/** What a finished run returns: the code's value and what it logged. */
export interface CodeRunOutput {
  result: unknown;
  logs: string[];
}

type WorkerMessage =
  | { type: "call"; id: number; alias: string; action: string; input: unknown }
  | { type: "done"; ok: boolean; result?: unknown; error?: string; logs: string[] };

/** Runs one weavz.<alias>.<action>() call of the code through the host and answers the worker. */
function answerCall(
  worker: Worker,
  m: { id: number; alias: string; action: string; input: unknown },
  host: CodeHost | undefined,
  signal: AbortSignal,
  ended: () => boolean,
): void {
  const reply = (body: Record<string, unknown>) => {
    if (!ended()) worker.postMessage({ id: m.id, ...body });
  };
  if (!host) return;
  host(String(m.alias), String(m.action), m.input, signal).then(
    (value) => reply({ ok: true, value }),
    (err: unknown) => {
      const e = (err ?? {}) as { code?: unknown; message?: unknown; details?: unknown };
      reply({
        ok: false,
        error: {
          message: typeof e.message === "string" ? e.message : String(err),
          ...(typeof e.code === "string" ? { code: e.code } : {}),
          ...(e.details !== undefined ? { details: e.details } : {}),
        },
      });
    },
  );
}

/**
 * Runs JavaScript in a worker thread with a heap limit and a wall-clock timeout; the worker
 * is terminated on timeout, on cancellation and when done. Errors are ACTION_FAILED.
 */
export function runJavaScript(
  code: string,
  inputs: unknown,
  opts: CodeRunOptions,
): Promise<CodeRunOutput> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { code, inputs, bridge: opts.host !== undefined },
      // No copy of our environment (it may hold API keys); output never reaches our stdout.
      env: {},
      stdout: true,
      stderr: true,
      resourceLimits: {
        maxOldGenerationSizeMb: CODE_MEMORY_MB,
        maxYoungGenerationSizeMb: 16,
        stackSizeMb: 4,
      },
    });
    running++;
    worker.once("exit", () => running--);
    worker.stdout.resume();
    worker.stderr.resume();
    let settled = false;
    // Aborts the actions the code started when the run ends (timeout, cancel, done).
    const calls = new AbortController();
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
      calls.abort();
      void worker.terminate();
      fn();
    };
    const timer = setTimeout(() => {
      finish(() =>
        reject(
          actionFailed(
            `The code ran longer than its ${opts.timeoutSeconds} s timeout and was stopped.`,
            { reason: "timeout", timeoutSeconds: opts.timeoutSeconds },
          ),
        ),
      );
    }, opts.timeoutSeconds * 1000);
    const onAbort = () =>
      finish(() => reject(actionFailed("The run was cancelled.", { reason: "cancelled" })));
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener("abort", onAbort, { once: true });
    worker.on("message", (m: WorkerMessage) => {
      if (m.type === "call") {
        answerCall(worker, m, opts.host, calls.signal, () => settled);
        return;
      }
      finish(() => {
        if (m.ok) resolve({ result: m.result, logs: m.logs });
        else reject(actionFailed(`The code threw ${m.error}`, { reason: "error", logs: m.logs }));
      });
    });
    worker.on("error", (err: Error & { code?: string }) => {
      finish(() =>
        reject(
          err.code === "ERR_WORKER_OUT_OF_MEMORY"
            ? actionFailed(
                `The code ran out of memory (limit ${CODE_MEMORY_MB} MiB) and was stopped.`,
                {
                  reason: "memory",
                  memoryLimitMb: CODE_MEMORY_MB,
                },
              )
            : actionFailed(`The code failed: ${err.message}`, { reason: "error" }),
        ),
      );
    });
    worker.on("exit", (code) => {
      finish(() =>
        reject(actionFailed(`The code's worker exited early (code ${code}).`, { reason: "error" })),
      );
    });
  });
}
