import { ApiError } from "../errors.js";
import { jsonDepth, MAX_JSON_DEPTH } from "./json-depth.js";
import {
  type Lease,
  SANDBOX_MAX_RESULT_BYTES,
  SANDBOX_MEMORY_MB,
  SANDBOX_QUEUE,
  SANDBOX_WORKERS,
  SandboxBusy,
  SandboxPool,
  type WorkerCall,
  type WorkerDone,
} from "./sandbox/pool.js";
import { actionFailed } from "./types.js";

const pool = new SandboxPool();

/** How many code runs hold a sandbox worker right now (tests check that cancelled runs end). */
export function activeCodeRuns(): number {
  return pool.active;
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

/** The storage the code may use as `storage.write/read/list/delete` (advanced-code). */
export type CodeStorage = (
  op: "write" | "read" | "list" | "delete",
  args: Record<string, unknown>,
) => Promise<unknown>;

export interface CodeRunOptions {
  timeoutSeconds: number;
  signal?: AbortSignal | undefined;
  /** Exposes `weavz` to the code; its calls run here, in the server. */
  host?: CodeHost;
  /** Exposes `storage` to the code; its calls run here, in the server. */
  storage?: CodeStorage;
}

/** What a finished run returns: the code's value and what it logged. */
export interface CodeRunOutput {
  result: unknown;
  logs: string[];
}

const STORAGE_OPS = new Set(["write", "read", "list", "delete"]);

/** A host call's failure as the code sees it: {message, code?, details?}. */
function callError(err: unknown): { message: string; code?: string; details?: unknown } {
  const e = (err ?? {}) as { code?: unknown; message?: unknown; details?: unknown };
  return {
    message: typeof e.message === "string" ? e.message : String(err),
    ...(typeof e.code === "string" ? { code: e.code } : {}),
    ...(e.details !== undefined ? { details: e.details } : {}),
  };
}

/** Runs one call the code made and gives its JSON answer (or throws what the code sees). */
async function answer(call: WorkerCall, opts: CodeRunOptions, signal: AbortSignal) {
  if (jsonDepth(call.json) > MAX_JSON_DEPTH) {
    throw { message: `the arguments are nested deeper than ${MAX_JSON_DEPTH} levels` };
  }
  let args: unknown;
  try {
    args = JSON.parse(call.json);
  } catch {
    throw { message: "the arguments are not JSON" };
  }
  let value: unknown;
  if (call.kind === "action" && opts.host) {
    value = await opts.host(call.a, call.b, args, signal);
  } else if (call.kind === "storage" && opts.storage && STORAGE_OPS.has(call.a)) {
    value = await opts.storage(
      call.a as "write",
      args && typeof args === "object" ? (args as Record<string, unknown>) : {},
    );
  } else {
    throw { message: `${call.kind} calls are not available to this code` };
  }
  return JSON.stringify(value === undefined ? null : value);
}

/**
 * Runs JavaScript in the QuickJS sandbox (a pool of worker threads, see sandbox/pool.ts) with
 * a memory limit, a wall-clock timeout and a bounded queue. The code sees `inputs`, `console`
 * and, when given, `weavz` and `storage`; nothing else of the host. Failures are ACTION_FAILED;
 * a full queue is 429 RATE_LIMITED with retryAfterSeconds.
 */
export function runJavaScript(
  code: string,
  inputs: unknown,
  opts: CodeRunOptions,
): Promise<CodeRunOutput> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    let lease: Lease | undefined;
    let stop: (() => void) | undefined;
    let cancelQueued: () => void = () => {};
    // Aborts the calls the code started when the run ends (timeout, cancel, done).
    const calls = new AbortController();
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
      calls.abort();
      cancelQueued();
      stop?.();
      fn();
    };
    const onAbort = () =>
      finish(() => reject(actionFailed("The run was cancelled.", { reason: "cancelled" })));
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener("abort", onAbort, { once: true });

    let inputsJson: string;
    try {
      inputsJson = JSON.stringify(inputs ?? {}) ?? "{}";
    } catch {
      return finish(() => reject(actionFailed("inputs must be plain JSON data.")));
    }
    const timedOut = (logs?: WorkerDone["logs"]) =>
      actionFailed(
        `The code ran longer than its ${opts.timeoutSeconds} s timeout and was stopped.`,
        { reason: "timeout", timeoutSeconds: opts.timeoutSeconds, ...(logs ? { logs } : {}) },
      );
    const outOfMemory = (logs?: WorkerDone["logs"]) =>
      actionFailed(`The code ran out of memory (limit ${SANDBOX_MEMORY_MB} MiB) and was stopped.`, {
        reason: "memory",
        memoryLimitMb: SANDBOX_MEMORY_MB,
        ...(logs ? { logs } : {}),
      });
    const onDone = (m: WorkerDone) =>
      finish(() => {
        if (m.ok && jsonDepth(m.json ?? "") > MAX_JSON_DEPTH) {
          reject(
            actionFailed(
              `The code's result is nested deeper than ${MAX_JSON_DEPTH} levels; return a flatter value.`,
              { reason: "output_too_deep", maxDepth: MAX_JSON_DEPTH, logs: m.logs },
            ),
          );
          return;
        }
        if (m.ok) {
          try {
            resolve({ result: JSON.parse(m.json ?? "null"), logs: m.logs });
          } catch {
            reject(actionFailed("The code's result is not JSON.", { reason: "error" }));
          }
          return;
        }
        if (m.reason === "memory") {
          reject(outOfMemory(m.logs));
        } else if (m.reason === "output_too_large") {
          reject(
            actionFailed(
              `The code's result is larger than ${SANDBOX_MAX_RESULT_BYTES / 1024 / 1024} MiB as JSON; return less.`,
              { reason: "output_too_large", limitBytes: SANDBOX_MAX_RESULT_BYTES, logs: m.logs },
            ),
          );
        } else if (m.reason === "interrupted") {
          // The worker's own deadline (the same instant as the timer below) can fire first; a
          // cancel or stop from here settles the run before the worker's answer arrives.
          reject(timedOut(m.logs));
        } else {
          reject(actionFailed(`The code threw ${m.error}`, { reason: "error", logs: m.logs }));
        }
      });
    try {
      cancelQueued = pool.submit(
        {
          code,
          inputs: inputsJson,
          timeoutMs: opts.timeoutSeconds * 1000,
          bridge: opts.host !== undefined,
          storage: opts.storage !== undefined,
        },
        {
          onCall: (call) => {
            answer(call, opts, calls.signal).then(
              (json) => lease?.reply(call.callId, { ok: true, json }),
              (err: unknown) => lease?.reply(call.callId, { ok: false, error: callError(err) }),
            );
          },
          onDone,
          onCrash: (err) =>
            finish(() =>
              reject(
                err.code === "ERR_WORKER_OUT_OF_MEMORY"
                  ? outOfMemory()
                  : actionFailed(`The code's sandbox failed: ${err.message}`, { reason: "error" }),
              ),
            ),
        },
        (l) => {
          lease = l;
          stop = l.stop;
          if (settled) return l.stop();
          // The timeout counts from the start of the run, not from its wait in the queue.
          timer = setTimeout(() => finish(() => reject(timedOut())), opts.timeoutSeconds * 1000);
        },
      );
    } catch (err) {
      if (!(err instanceof SandboxBusy)) throw err;
      finish(() =>
        reject(
          new ApiError(
            429,
            "RATE_LIMITED",
            `The code sandbox is busy (${err.running} runs running, ${err.waiting} waiting; at most ${SANDBOX_WORKERS} run at once and ${SANDBOX_QUEUE} wait); retry in ${err.retryAfterSeconds} s.`,
            {
              reason: "code_sandbox_busy",
              retryAfterSeconds: err.retryAfterSeconds,
              running: err.running,
              waiting: err.waiting,
            },
          ),
        ),
      );
    }
  });
}
