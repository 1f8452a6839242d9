/**
 * A scripted, fault-injecting HTTP upstream for client tests: a real node:http server on
 * 127.0.0.1 port 0. Each request is answered by the current handler with an Action: JSON or
 * text with status and headers, a hang (never answer), a real socket reset after the request
 * was read, or a delay before any of these. Every request is recorded.
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export type Action =
  | {
      kind: "json";
      status?: number;
      body?: unknown;
      headers?: Record<string, string>;
      delayMs?: number;
    }
  | {
      kind: "text";
      status: number;
      body: string;
      headers?: Record<string, string>;
      delayMs?: number;
    }
  | { kind: "hang" }
  | { kind: "reset"; delayMs?: number };

export interface RecordedRequest {
  method: string;
  /** Raw request target as sent (encoded path + query). */
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
  /** Parsed JSON body, when there was one. */
  json: unknown;
  at: number;
  /** Resolves true when the client closed the connection before a response was finished. */
  clientClosed: Promise<boolean>;
}

export type Handler = (req: RecordedRequest, index: number) => Action | Promise<Action>;

export interface FaultServer {
  url: string;
  requests: RecordedRequest[];
  /** Replaces the handler for following requests. */
  handle(handler: Handler): void;
  /** Answers following requests with these actions in order; extra requests get a 599. */
  sequence(...actions: Action[]): void;
  close(): Promise<void>;
}

export const json = (status: number, body: unknown, headers?: Record<string, string>): Action => ({
  kind: "json",
  status,
  body,
  ...(headers ? { headers } : {}),
});

export async function startFaultServer(): Promise<FaultServer> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  let handler: Handler = () => json(404, { error: "no handler scripted", code: "NOT_FOUND" });

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    let parsed: unknown;
    try {
      parsed = body ? JSON.parse(body) : undefined;
    } catch {
      parsed = undefined;
    }
    const clientClosed = new Promise<boolean>((resolve) => {
      res.once("close", () => resolve(!res.writableFinished));
    });
    const rec: RecordedRequest = {
      method: req.method ?? "",
      url: req.url ?? "",
      headers: req.headers,
      body,
      json: parsed,
      at: performance.now(),
      clientClosed,
    };
    const index = requests.push(rec) - 1;
    const action = await handler(rec, index);
    if (action.kind === "hang") return;
    if (action.delayMs) await new Promise((r) => setTimeout(r, action.delayMs));
    if (action.kind === "reset") {
      // A real TCP RST after the request was fully read.
      req.socket.resetAndDestroy();
      return;
    }
    if (res.destroyed) return;
    const payload =
      action.kind === "json"
        ? action.body === undefined
          ? ""
          : JSON.stringify(action.body)
        : action.body;
    res.writeHead(action.status ?? 200, {
      ...(action.kind === "json" ? { "content-type": "application/json" } : {}),
      ...action.headers,
    });
    res.end(payload);
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    handle(h) {
      handler = h;
    },
    sequence(...actions) {
      let i = 0;
      handler = () =>
        actions[i++] ?? json(599, { error: "unexpected extra request", code: "TEST_UNEXPECTED" });
    },
    async close() {
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, "close").catch(() => {});
    },
  };
}
