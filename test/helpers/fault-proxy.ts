import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { request } from "undici";

/** What the proxy does with one request. */
export type Fault =
  | { kind: "pass" }
  | { kind: "status"; status: number; headers?: Record<string, string>; body?: unknown }
  | { kind: "hang" }
  /** Reset the socket without forwarding: the upstream never sees the request. */
  | { kind: "reset-before" }
  /** Forward, let the upstream act, then reset instead of answering: the answer is lost. */
  | { kind: "reset-after" };

export interface SeenRequest {
  method: string;
  url: string;
  fault: Fault["kind"];
  /** Resolves true if the client closed the connection before an answer was sent. */
  clientClosed: Promise<boolean>;
}

/**
 * A real HTTP proxy in front of the real local API that injects faults per request: the
 * only part of these tests that is not the product itself, because a network cannot be made
 * to fail on cue.
 */
export async function startFaultProxy(target: string) {
  const seen: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  let decide: (method: string, url: string, index: number) => Fault = () => ({ kind: "pass" });

  const server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const method = req.method ?? "GET";
    const url = req.url ?? "/";
    const fault = decide(method, url, seen.length);
    const clientClosed = new Promise<boolean>((resolve) =>
      res.once("close", () => resolve(!res.writableFinished)),
    );
    seen.push({ method, url, fault: fault.kind, clientClosed });
    if (fault.kind === "hang") return;
    if (fault.kind === "reset-before") {
      req.socket.resetAndDestroy();
      return;
    }
    if (fault.kind === "status") {
      const body = JSON.stringify(
        fault.body ?? { error: `injected ${fault.status}`, code: "INJECTED" },
      );
      res.writeHead(fault.status, { "content-type": "application/json", ...fault.headers });
      res.end(body);
      return;
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (typeof v === "string" && k !== "host" && k !== "connection") headers[k] = v;
    }
    const up = await request(`${target}${url}`, {
      method: method as "GET",
      headers,
      body: chunks.length ? Buffer.concat(chunks) : null,
    });
    const text = await up.body.text();
    if (fault.kind === "reset-after") {
      req.socket.resetAndDestroy();
      return;
    }
    res.writeHead(up.statusCode, { "content-type": "application/json" });
    res.end(text);
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    /** Sets the fault rule for following requests. */
    script(fn: (method: string, url: string, index: number) => Fault) {
      decide = fn;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
