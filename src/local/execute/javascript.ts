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
    parentPort.postMessage({ ok: true, result: JSON.parse(json), logs });
  } catch (e) {
    const message = e && typeof e === "object" && "message" in e ? String(e.name || "Error") + ": " + String(e.message) : String(e);
    parentPort.postMessage({ ok: false, error: message.slice(0, 2000), logs });
  }
})();
`;

let running = 0;

/** How many code workers are alive right now (tests check that cancelled runs end). */
export function activeCodeRuns(): number {
  return running;
}

export interface CodeRunOptions {
  timeoutSeconds: number;
  signal?: AbortSignal | undefined;
}

/** What a finished run returns: the code's value and what it logged. */
export interface CodeRunOutput {
  result: unknown;
  logs: string[];
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
      workerData: { code, inputs },
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
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
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
    worker.on("message", (m: { ok: boolean; result?: unknown; error?: string; logs: string[] }) => {
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
