import type { Readable, Writable } from "node:stream";
import {
  INVALID_REQUEST,
  type JSONRPCMessage,
  type McpServerFactory,
  type MessageExtraInfo,
  PARSE_ERROR,
  type Transport,
} from "@modelcontextprotocol/server";
import { serveStdio as sdkServeStdio } from "@modelcontextprotocol/server/stdio";
import { checkMessage, type ErrorReply, errorReply, sniffId } from "./jsonrpc-guard.js";
import { type ListenHook, listenInterest } from "./listen.js";

type RequestId = string | number;

/** Largest line read from stdin; a longer one is skipped and answered with an error. */
export const MAX_STDIO_LINE_BYTES = 10 * 1024 * 1024;
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
 *   until the client cancels them, the server answers them or the connection ends.
 * Every request is served by the SDK (serveStdio): this transport only frames lines.
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
  /** Resolves when the connection is over. */
  readonly done: Promise<void>;
  private resolveDone!: () => void;

  constructor(
    private readonly onListen: ListenHook | undefined,
    private readonly stringify: (message: JSONRPCMessage) => string,
    private readonly stdin: Readable,
    private readonly stdout: Writable,
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
      this.answered(message.id as RequestId);
    }
    return this.write(message);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stdin.off("data", this.onData);
    this.stdin.pause();
    for (const id of [...this.listens.keys()]) this.endListen(id);
    this.onclose?.();
    this.resolveDone();
  }

  private write(message: JSONRPCMessage | ErrorReply): Promise<void> {
    if (this.stdout.destroyed || this.stdout.writableEnded) return Promise.resolve();
    return new Promise((resolve) => {
      if (this.stdout.write(`${this.stringify(message as JSONRPCMessage)}\n`)) resolve();
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
    this.track(message);
    this.onmessage?.(message);
  }

  private track(message: JSONRPCMessage): void {
    if (!("method" in message)) return;
    if ("id" in message) {
      const id = message.id as RequestId;
      const interest = this.onListen && listenInterest(message);
      if (interest) {
        this.endListen(id);
        // stdio has no principal: the hook refuses nothing here, and the SDK serves the stream.
        const outcome = this.onListen?.(interest, undefined);
        if (outcome && "stop" in outcome) this.listens.set(id, outcome.stop);
      } else {
        this.pending.add(id);
      }
    } else if (message.method === "notifications/cancelled") {
      const id = (message.params as { requestId?: RequestId } | undefined)?.requestId;
      if (id !== undefined) {
        this.endListen(id);
        // A cancelled request is never answered by the SDK: stop waiting for it.
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

/** Hooks of the stdio entry. */
export interface StdioOptions {
  /** Called when a 2026 subscriptions/listen request arrives (see ListenHook). */
  onListen?: ListenHook;
  /** Writes a message as one line (default JSON.stringify; the server may reuse JSON it made). */
  stringify?: (message: JSONRPCMessage) => string;
  /** For tests: in-process streams instead of the process's stdin/stdout. */
  stdin?: Readable;
  stdout?: Writable;
}

/**
 * Serves MCP over stdin/stdout in whichever era the client opens with: `initialize` pins a
 * 2025 session, a request carrying the 2026 `_meta` envelope pins the stateless protocol.
 * Resolves when the client goes away.
 */
export async function serveStdio(
  factory: McpServerFactory,
  opts: StdioOptions = {},
): Promise<void> {
  const transport = new StdioLineTransport(
    opts.onListen,
    opts.stringify ?? ((m) => JSON.stringify(m)),
    opts.stdin ?? process.stdin,
    opts.stdout ?? process.stdout,
  );
  const handle = sdkServeStdio(factory, { legacy: "serve", transport });
  await transport.done;
  await handle.close().catch(() => {});
}
