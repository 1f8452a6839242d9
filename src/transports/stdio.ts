import { getEventListeners } from "node:events";
import type { Readable, Writable } from "node:stream";
import {
  INTERNAL_ERROR,
  INVALID_REQUEST,
  type JSONRPCMessage,
  type McpServerFactory,
  type MessageExtraInfo,
  PARSE_ERROR,
  type Transport,
} from "@modelcontextprotocol/server";
import { serveStdio as sdkServeStdio } from "@modelcontextprotocol/server/stdio";
import type { ResourceHub } from "../mcp/resources/hub.js";
import { stringifyMessage } from "../mcp/result-json.js";
import type { DirectToolCall } from "../mcp/server.js";
import { checkMessage, type ErrorReply, errorReply, sniffId } from "./jsonrpc-guard.js";
import { listenInterest, watchListen } from "./listen-tracker.js";

type RequestId = string | number;

/** Largest line read from stdin; a longer one is skipped and answered with an error. */
export const MAX_STDIO_LINE_BYTES = 10 * 1024 * 1024;
/** Idle AbortControllers kept for direct tools/call requests (see StdioLineTransport.spare). */
const MAX_SPARE = 16;
/** How long requests already read may still be answered after stdin closes. */
const STDIN_CLOSED_GRACE_MS = 10_000;

/**
 * Newline-delimited JSON-RPC on stdin/stdout, in place of the SDK's stdio transport because
 * that one ends the connection on a line over its buffer limit and drops malformed frames
 * silently. Here:
 * - a line over MAX_STDIO_LINE_BYTES is skipped and answered (-32600), and serving goes on;
 * - non-JSON gets -32700 and malformed requests one clear error each (jsonrpc-guard);
 * - requests already read are still answered when stdin closes (a client may write a batch
 *   of requests and close at once);
 * - 2026 subscriptions/listen requests keep the change feed running for the URIs they name,
 *   until the client cancels them, the server answers them or the connection ends;
 * - on a 2025 connection past `initialize`, plain tools/call requests go straight to the
 *   tool runner (`direct`, see createServerFactory's directToolCall) instead of through the
 *   SDK's request machinery, which costs a third of a list call's latency. Cancellation,
 *   the closing grace and the answer's shape are kept here; anything the runner declines
 *   goes to the SDK as before.
 */
class StdioLineTransport implements Transport {
  onclose?: (() => void) | undefined;
  onerror?: ((error: Error) => void) | undefined;
  onmessage?:
    | (<T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void)
    | undefined;
  private chunks: Buffer[] = [];
  private size = 0;
  /** Inside a line that went over the limit: its first bytes, until its newline comes. */
  private skipping: string | undefined;
  private closed = false;
  private readonly listens = new Map<RequestId, () => void>();
  private readonly pending = new Set<RequestId>();
  private drained: (() => void) | undefined;
  /** tools/call requests being served directly, by id: their cancellation. */
  private readonly directCalls = new Map<RequestId, AbortController>();
  /**
   * Controllers of direct calls that ended unaborted with no listener left, to reuse: on
   * Node 20 making one AbortController per call cost about 30 µs of CPU (mostly GC) and
   * 0.03 ms of latency in bench/mcp.mjs, a tenth of the call. At most MAX_SPARE are kept.
   */
  private readonly spare: AbortController[] = [];
  /** The era of the SDK instance serving this connection (set as serveStdio makes it). */
  private legacyEra = false;
  /** The id of the `initialize` request read, until it is answered. */
  private initializeId: RequestId | undefined;
  /** A 2025 session whose `initialize` was answered: from here tools/call may go direct. */
  private directReady = false;
  /** Resolves when the connection is over. */
  readonly done: Promise<void>;
  private resolveDone!: () => void;

  constructor(
    private readonly hub: ResourceHub,
    private readonly direct: DirectToolCall | undefined = undefined,
    private readonly stdin: Readable = process.stdin,
    private readonly stdout: Writable = process.stdout,
  ) {
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
  }

  async start(): Promise<void> {
    this.stdin.on("data", this.onData);
    this.stdin.once("end", this.onEnd);
    this.stdin.once("close", this.onEnd);
    this.stdin.on("error", (err: Error) => this.onerror?.(err));
    // A vanished reader (EPIPE) ends the connection instead of crashing the process.
    this.stdout.on("error", () => void this.close());
  }

  send(message: JSONRPCMessage): Promise<void> {
    if ("id" in message && !("method" in message)) {
      const id = message.id as RequestId;
      if (id === this.initializeId && this.initializeId !== undefined) {
        this.initializeId = undefined;
        // Only a success turns it on: a later, refused initialize leaves the session as it was.
        if (this.legacyEra && "result" in message) this.directReady = true;
      }
      this.answered(id);
    }
    return this.write(message);
  }

  /** Which era the SDK pinned this connection to (a 2026 connection never goes direct). */
  noteEra(era: "legacy" | "modern"): void {
    this.legacyEra = era === "legacy";
    if (!this.legacyEra) this.directReady = false;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stdin.off("data", this.onData);
    this.stdin.pause();
    for (const id of [...this.listens.keys()]) this.endListen(id);
    for (const ac of this.directCalls.values()) ac.abort(new Error("connection closed"));
    this.onclose?.();
    this.resolveDone();
  }

  private write(message: JSONRPCMessage | ErrorReply): Promise<void> {
    if (this.stdout.destroyed || this.stdout.writableEnded) return Promise.resolve();
    return new Promise((resolve) => {
      if (this.stdout.write(`${stringifyMessage(message as JSONRPCMessage)}\n`)) resolve();
      else this.stdout.once("drain", resolve);
    });
  }

  private readonly onData = (chunk: Buffer): void => {
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl);
      start = nl + 1;
      if (this.skipping !== undefined) {
        const head = this.skipping;
        this.skipping = undefined;
        this.tooLarge(head);
        continue;
      }
      if (this.size + piece.length > MAX_STDIO_LINE_BYTES) {
        this.tooLarge(this.head(piece));
        this.reset();
        continue;
      }
      this.chunks.push(piece);
      const line = Buffer.concat(this.chunks).toString("utf8");
      this.reset();
      this.onLine(line);
    }
    const rest = chunk.subarray(start);
    if (rest.length === 0 || this.skipping !== undefined) return;
    if (this.size + rest.length > MAX_STDIO_LINE_BYTES) {
      this.skipping = this.head(rest);
      this.reset();
      return;
    }
    this.chunks.push(rest);
    this.size += rest.length;
  };

  /** The first bytes of the current line (to find the id of an oversized request). */
  private head(piece: Buffer): string {
    return Buffer.concat([...this.chunks, piece.subarray(0, 1024)])
      .subarray(0, 1024)
      .toString("utf8");
  }

  private reset(): void {
    this.chunks = [];
    this.size = 0;
  }

  private tooLarge(head: string): void {
    void this.write(
      errorReply(
        sniffId(head),
        INVALID_REQUEST,
        `Request too large: a message may be at most ${MAX_STDIO_LINE_BYTES / (1024 * 1024)} MiB`,
      ),
    );
  }

  private onLine(raw: string): void {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line.trim().length === 0) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      void this.write(errorReply(null, PARSE_ERROR, "Parse error: the line is not valid JSON"));
      return;
    }
    const verdict = checkMessage(value);
    if (verdict.kind === "reply") {
      void this.write(verdict.reply);
      return;
    }
    if (verdict.kind === "drop") return;
    const message = verdict.message as JSONRPCMessage;
    if (this.directReady && this.serveDirect(message)) return;
    this.track(message);
    this.onmessage?.(message);
  }

  /** Serves a tools/call request through `direct`; false leaves it to the SDK. */
  private serveDirect(message: JSONRPCMessage): boolean {
    if (!this.direct || !("method" in message) || message.method !== "tools/call") return false;
    if (!("id" in message)) return false;
    const id = message.id as RequestId;
    // A reused id of a request still open is the SDK's to judge, as before.
    if (this.pending.has(id) || this.directCalls.has(id)) return false;
    const ac = this.spare.pop() ?? new AbortController();
    const answer = this.direct(message.params, ac.signal);
    if (!answer) {
      this.spare.push(ac);
      return false;
    }
    this.pending.add(id);
    this.directCalls.set(id, ac);
    const settle = (reply: JSONRPCMessage): void => {
      this.directCalls.delete(id);
      // Reused only when nothing of this call can still hear it.
      const reusable = !ac.signal.aborted && getEventListeners(ac.signal, "abort").length === 0;
      if (reusable && this.spare.length < MAX_SPARE) this.spare.push(ac);
      // A cancelled request gets no answer, as the SDK does (the cancel already ended its wait).
      if (!ac.signal.aborted) void this.send(reply);
    };
    answer.then(
      (result) => settle({ jsonrpc: "2.0", id, result } as JSONRPCMessage),
      // runTool turns every tool failure into a result; this is a bug, worded as the SDK does.
      (err: unknown) => {
        this.onerror?.(err instanceof Error ? err : new Error(String(err)));
        settle({
          jsonrpc: "2.0",
          id,
          error: { code: INTERNAL_ERROR, message: "Internal error" },
        } as JSONRPCMessage);
      },
    );
    return true;
  }

  private track(message: JSONRPCMessage): void {
    if (!("method" in message)) return;
    if ("id" in message) {
      const id = message.id as RequestId;
      if (message.method === "initialize") this.initializeId = id;
      const interest = listenInterest(message);
      if (interest) {
        this.endListen(id);
        this.listens.set(id, watchListen(this.hub, interest));
      } else {
        this.pending.add(id);
      }
    } else if (message.method === "notifications/cancelled") {
      const id = (message.params as { requestId?: RequestId } | undefined)?.requestId;
      if (id !== undefined) {
        this.endListen(id);
        this.directCalls.get(id)?.abort(new Error("cancelled by the client"));
        // A cancelled request is never answered (by the SDK or directly): stop waiting for it.
        this.answered(id);
      }
    }
  }

  private answered(id: RequestId): void {
    this.endListen(id);
    this.pending.delete(id);
    if (this.pending.size === 0) this.drained?.();
  }

  private endListen(id: RequestId): void {
    const stop = this.listens.get(id);
    if (!stop) return;
    this.listens.delete(id);
    stop();
  }

  private readonly onEnd = (): void => {
    if (this.closed) return;
    this.stdin.off("data", this.onData);
    const finish = () => void this.close();
    if (this.pending.size === 0) {
      finish();
      return;
    }
    const timer = setTimeout(finish, STDIN_CLOSED_GRACE_MS);
    timer.unref();
    this.drained = () => {
      clearTimeout(timer);
      finish();
    };
  };
}

/**
 * Serves MCP over stdin/stdout in whichever era the client opens with: `initialize` pins a
 * 2025 session, a request carrying the 2026 `_meta` envelope pins the stateless protocol.
 * `direct` serves plain tools/call requests of a 2025 session (see StdioLineTransport); `io`
 * is for tests. Resolves when the client goes away.
 */
export async function serveStdio(
  factory: McpServerFactory,
  hub: ResourceHub,
  direct?: DirectToolCall,
  io: { stdin: Readable; stdout: Writable } = { stdin: process.stdin, stdout: process.stdout },
): Promise<void> {
  const transport = new StdioLineTransport(hub, direct, io.stdin, io.stdout);
  const handle = sdkServeStdio(
    (ctx) => {
      transport.noteEra(ctx.era);
      return factory(ctx);
    },
    { legacy: "serve", transport },
  );
  await transport.done;
  await handle.close().catch(() => {});
}
