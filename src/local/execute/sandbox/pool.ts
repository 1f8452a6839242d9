import { Worker } from "node:worker_threads";

/** Runs executing at once: one per worker thread. */
export const SANDBOX_WORKERS = 2;
/** Runs waiting for a worker; past this a run is refused ("busy, retry in N s"). */
export const SANDBOX_QUEUE = 16;
/** Memory of one run: every allocation of the code (objects, strings, ArrayBuffers). */
export const SANDBOX_MEMORY_MB = 64;
/** Largest result, as JSON text. */
export const SANDBOX_MAX_RESULT_BYTES = 1024 * 1024;
export const SANDBOX_MAX_LOG_LINES = 100;
export const SANDBOX_MAX_LOG_LINE = 2000;
/** weavz.* and storage.* calls one run may have waiting at once. */
export const SANDBOX_MAX_CALLS_IN_FLIGHT = 16;
/** After asking a worker to stop, how long before it is terminated instead. */
const STOP_GRACE_MS = 2000;

/** What the worker reports when a run ends. */
export interface WorkerDone {
  type: "done";
  id: number;
  ok: boolean;
  json?: string;
  reason?: string;
  error?: string;
  logs: string[];
  /** The worker's memory grew (or its instance broke): end it rather than reuse it. */
  retire?: boolean;
}

/** A call of weavz.<alias>.<action>() (kind "action") or storage.<op>() (kind "storage"). */
export interface WorkerCall {
  type: "call";
  id: number;
  callId: number;
  kind: string;
  a: string;
  b: string;
  json: string;
}

export interface RunRequest {
  code: string;
  inputs: string;
  timeoutMs: number;
  bridge: boolean;
  storage: boolean;
}

/** One run on a worker, as the caller drives it. */
export interface Lease {
  /** Sends a host call's answer back to the code. */
  reply(callId: number, answer: { ok: true; json: string } | { ok: false; error: unknown }): void;
  /** Interrupts the code; the worker is freed when it confirms (or is terminated). */
  stop(): void;
}

export interface RunHandlers {
  onCall(call: WorkerCall): void;
  onDone(done: WorkerDone): void;
  /** The worker died under the run (its own heap limit, a crash). */
  onCrash(err: Error & { code?: string }): void;
}

interface Slot {
  worker: Worker;
  flag: Int32Array;
  run?: { id: number; handlers: RunHandlers; stopping?: NodeJS.Timeout; deadline: number };
}

interface Waiting {
  req: RunRequest;
  handlers: RunHandlers;
  started: (lease: Lease) => void;
}

/** Refused because every worker is busy and the queue is full. */
export class SandboxBusy extends Error {
  constructor(
    readonly retryAfterSeconds: number,
    readonly running: number,
    readonly waiting: number,
  ) {
    super("busy");
  }
}

/**
 * A few QuickJS worker threads with a bounded queue in front. A worker holds one run at a
 * time, so a CPU-bound run blocks neither the server's event loop nor other runs; the pool
 * size bounds the memory all runs can hold together.
 */
export class SandboxPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Waiting[] = [];
  private nextId = 0;

  constructor(
    private readonly size = SANDBOX_WORKERS,
    private readonly queueMax = SANDBOX_QUEUE,
  ) {}

  /** Runs holding a worker (including runs being stopped). */
  get active(): number {
    return this.slots.filter((s) => s.run).length;
  }

  /**
   * Starts the run now or when a worker frees up; throws SandboxBusy when the queue is full.
   * Returns a cancel function for a run still waiting (it is never started then).
   */
  submit(req: RunRequest, handlers: RunHandlers, started: (lease: Lease) => void): () => void {
    const slot = this.idleSlot();
    if (slot) {
      started(this.start(slot, req, handlers));
      return () => {};
    }
    if (this.queue.length >= this.queueMax) {
      const now = Date.now();
      const soonest = Math.min(...this.slots.map((s) => s.run?.deadline ?? now));
      throw new SandboxBusy(
        Math.max(1, Math.ceil((soonest - now) / 1000)),
        this.active,
        this.queue.length,
      );
    }
    const waiting: Waiting = { req, handlers, started };
    this.queue.push(waiting);
    return () => {
      const i = this.queue.indexOf(waiting);
      if (i >= 0) this.queue.splice(i, 1);
    };
  }

  private idleSlot(): Slot | undefined {
    const idle = this.slots.find((s) => !s.run);
    if (idle) return idle;
    if (this.slots.length < this.size) return this.spawn();
    return undefined;
  }

  private spawn(): Slot {
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(new URL("./sandbox-worker.mjs", import.meta.url), {
      workerData: {
        flag: flag.buffer,
        memoryBytes: SANDBOX_MEMORY_MB * 1024 * 1024,
        stackBytes: 1024 * 1024,
        maxResultBytes: SANDBOX_MAX_RESULT_BYTES,
        maxLogLines: SANDBOX_MAX_LOG_LINES,
        maxLogLine: SANDBOX_MAX_LOG_LINE,
        maxCallsInFlight: SANDBOX_MAX_CALLS_IN_FLIGHT,
      },
      // Nothing of ours: no environment (it may hold API keys), no flags or loaders of this
      // process, output discarded. The heap limit is a fence around the worker's own glue
      // code; the code's memory is QuickJS's (limited there and by the WebAssembly maximum).
      env: {},
      argv: [],
      execArgv: [],
      stdout: true,
      stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: 48, maxYoungGenerationSizeMb: 8, stackSizeMb: 8 },
    });
    worker.unref();
    worker.stdout.resume();
    worker.stderr.resume();
    const slot: Slot = { worker, flag };
    worker.on("message", (m: WorkerDone | WorkerCall) => {
      const run = slot.run;
      if (!run || m.id !== run.id) return;
      if (m.type === "call") {
        run.handlers.onCall(m);
        return;
      }
      clearTimeout(run.stopping);
      slot.run = undefined;
      if (m.retire) this.retire(slot);
      run.handlers.onDone(m);
      this.next();
    });
    const gone = (err: Error & { code?: string }) => {
      const i = this.slots.indexOf(slot);
      if (i < 0) return;
      this.slots.splice(i, 1);
      const run = slot.run;
      slot.run = undefined;
      if (run) {
        clearTimeout(run.stopping);
        run.handlers.onCrash(err);
      }
      this.next();
    };
    worker.on("error", gone);
    worker.on("exit", (code) => gone(new Error(`the sandbox worker exited (code ${code})`)));
    this.slots.push(slot);
    return slot;
  }

  /**
   * Ends a worker and starts its replacement at once, so that the next run finds one ready
   * (starting a worker and its WebAssembly instance is most of a cold run's latency).
   */
  private retire(slot: Slot): void {
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    void slot.worker.terminate();
    if (this.slots.length < this.size) this.spawn();
  }

  private start(slot: Slot, req: RunRequest, handlers: RunHandlers): Lease {
    const id = ++this.nextId;
    slot.run = { id, handlers, deadline: Date.now() + req.timeoutMs };
    Atomics.store(slot.flag, 0, 0);
    slot.worker.postMessage({ type: "run", id, ...req });
    return {
      reply: (callId, answer) => {
        if (slot.run?.id === id) slot.worker.postMessage({ type: "reply", id, callId, ...answer });
      },
      stop: () => {
        const run = slot.run;
        if (run?.id !== id || run.stopping) return;
        // The flag reaches code that is running; the message reaches code awaiting a call.
        Atomics.store(slot.flag, 0, 1);
        slot.worker.postMessage({ type: "stop", id });
        run.stopping = setTimeout(() => void slot.worker.terminate(), STOP_GRACE_MS);
        run.stopping.unref();
      },
    };
  }

  private next(): void {
    while (this.queue.length > 0) {
      const slot = this.idleSlot();
      if (!slot) return;
      const w = this.queue.shift() as Waiting;
      w.started(this.start(slot, w.req, w.handlers));
    }
  }
}
