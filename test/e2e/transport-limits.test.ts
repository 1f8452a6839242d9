// Regression tests for the transport defects of issue 8 (#4-#8): oversized stdio lines,
// malformed JSON-RPC, the session and connection caps, socket timeouts and stream lifetimes,
// and over-limit chunked bodies. Real server, real sockets, real local API on port 0.
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { request as httpRequest } from "node:http";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { Readable } from "node:stream";
import {
  Client as ModernClient,
  StreamableHTTPClientTransport,
} from "@modelcontextprotocol/client";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createWeavzClient } from "../../src/api/client.js";
import { createLogger, silentLogger } from "../../src/log.js";
import { createServerFactory } from "../../src/mcp/server.js";
import type { HttpOptions } from "../../src/transports/http.js";
import { CLI } from "../helpers/build.js";
import { tempDir, trackChild, useCliProcesses } from "../helpers/cli.js";
import { initializeRequest, MCP_POST_HEADERS } from "../helpers/jsonrpc.js";
import { startTestLocalApi, type TestLocalApi } from "../helpers/local-api.js";
import { serveOverHttp } from "../helpers/mcp.js";

const INIT = (id: number | string = 1) => initializeRequest({ id });

/**
 * Malformed requests and what each must be answered with. Every one has an id the answer
 * must carry (ids that are not valid JSON-RPC ids are answered with id null).
 */
const BAD_REQUESTS: Array<{ line: string; id: number | null; code: number; says: RegExp }> = [
  {
    line: '{"jsonrpc":"2.0","id":10,"method":"tools/list","params":"abc"}',
    id: 10,
    code: -32602,
    says: /params must be a JSON object/,
  },
  {
    line: '{"jsonrpc":"2.0","id":11,"method":"tools/list","params":null}',
    id: 11,
    code: -32602,
    says: /params must be a JSON object/,
  },
  {
    line: '{"jsonrpc":"2.0","id":12,"method":"tools/call","params":[1,2]}',
    id: 12,
    code: -32602,
    says: /params must be a JSON object/,
  },
  {
    line: '{"jsonrpc":"2.0","id":13,"method":"tools/call","params":{"name":null}}',
    id: 13,
    code: -32602,
    says: /tools\/call needs params.name/,
  },
  {
    line: '{"jsonrpc":"2.0","id":14,"method":"tools/call","params":5}',
    id: 14,
    code: -32602,
    says: /params must be a JSON object/,
  },
  {
    line: '{"jsonrpc":"2.0","id":15,"method":"resources/read","params":{}}',
    id: 15,
    code: -32602,
    says: /resources\/read needs params.uri/,
  },
  {
    line: '{"jsonrpc":"2.0","id":16,"method":"initialize","params":{"protocolVersion":5}}',
    id: 16,
    code: -32602,
    says: /initialize needs params.protocolVersion/,
  },
  {
    line: '{"jsonrpc":"2.0","id":19,"method":"__proto__"}',
    id: 19,
    code: -32601,
    says: /Method not found: __proto__/,
  },
  {
    line: '{"jsonrpc":"2.0","id":18,"method":"ping","params":{"_meta":[]}}',
    id: 18,
    code: -32602,
    says: /params._meta must be a JSON object/,
  },
  {
    line: '{"jsonrpc":"2.0","id":9007199254740993,"method":"ping"}',
    id: null,
    code: -32600,
    says: /id must be a string or an integer/,
  },
  {
    line: '{"jsonrpc":"1.0","id":17,"method":"ping"}',
    id: 17,
    code: -32600,
    says: /"jsonrpc" must be "2.0"/,
  },
];

/** A spawned stdio server with its stdout split into parsed lines. */
function spawnStdio(dir: string): {
  child: ChildProcessWithoutNullStreams;
  lines: () => any[];
  send: (line: string) => void;
  waitFor: (pred: (m: any) => boolean, ms?: number) => Promise<any>;
} {
  const child = trackChild(
    spawn(process.execPath, [CLI], {
      env: { PATH: process.env.PATH ?? "", WEAVZ_LOCAL_DB: join(dir, `${Math.random()}.db`) },
      stdio: ["pipe", "pipe", "pipe"],
    }),
  );
  let out = "";
  child.stdout.on("data", (d: Buffer) => {
    out += d.toString();
  });
  const lines = () =>
    out
      .split("\n")
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l));
  return {
    child,
    lines,
    send: (line) => child.stdin.write(`${line}\n`),
    waitFor: (pred, ms = 30_000) =>
      new Promise((resolve, reject) => {
        const t0 = Date.now();
        const tick = () => {
          const hit = lines().find(pred);
          if (hit) return resolve(hit);
          if (Date.now() - t0 > ms) return reject(new Error(`timed out; stdout: ${out}`));
          setTimeout(tick, 20);
        };
        tick();
      }),
  };
}

describe("stdio: oversized lines and malformed JSON-RPC", () => {
  useCliProcesses();
  let dir: string;
  beforeAll(() => {
    dir = tempDir("weavz-limits-stdio-");
  });

  it("answers a line over 10 MiB with an error and keeps serving (#4)", async () => {
    const s = spawnStdio(dir);
    s.send(JSON.stringify(INIT()));
    await s.waitFor((m) => m.id === 1);
    const huge = `{"jsonrpc":"2.0","id":7,"method":"ping","params":{"pad":"${"x".repeat(11 * 1024 * 1024)}"}}`;
    s.child.stdin.write(`${huge}\n`);
    s.send('{"jsonrpc":"2.0","id":8,"method":"ping"}');
    const tooBig = await s.waitFor((m) => m.id === 7);
    expect(tooBig.error.code).toBe(-32600);
    expect(tooBig.error.message).toMatch(/at most 10 MiB/);
    expect((await s.waitFor((m) => m.id === 8)).result).toEqual({});
    expect(s.child.exitCode).toBeNull();
    s.child.stdin.end();
  }, 90_000);

  it("answers each malformed request exactly once with -32600/-32602 and one sentence (#7)", async () => {
    const s = spawnStdio(dir);
    s.send(JSON.stringify(INIT()));
    await s.waitFor((m) => m.id === 1);
    for (const b of BAD_REQUESTS) s.send(b.line);
    s.send("not json at all");
    s.send('{"jsonrpc":"2.0","id":99,"method":"ping"}');
    await s.waitFor((m) => m.id === 99);
    const replies = s.lines();
    for (const b of BAD_REQUESTS.filter((x) => x.id !== null)) {
      const mine = replies.filter((m) => m.id === b.id);
      expect(mine, b.line).toHaveLength(1);
      expect(mine[0].error.code, b.line).toBe(b.code);
      expect(mine[0].error.message, b.line).toMatch(b.says);
      expect(mine[0].error.message).not.toMatch(/\n/);
    }
    const nullIds = replies.filter((m) => m.id === null);
    expect(nullIds.map((m) => m.error.code).sort()).toEqual([-32700, -32600].sort());
    s.child.stdin.end();
  }, 90_000);
});

describe("HTTP: limits, timeouts and malformed requests", () => {
  let local: TestLocalApi;
  let api: ReturnType<typeof createWeavzClient>;
  let factory: ReturnType<typeof createServerFactory>;
  const servers: Array<{ close(): Promise<void> }> = [];
  beforeAll(async () => {
    local = await startTestLocalApi();
    api = createWeavzClient({ baseUrl: local.url, apiKey: local.apiKey, log: silentLogger });
    factory = createServerFactory({ api, log: silentLogger });
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
    await api.close();
    await local.close();
  });

  const start = async (extra: Partial<HttpOptions> = {}) => {
    const h = await serveOverHttp(factory, extra);
    servers.push(h);
    return h;
  };
  const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
    request(url, {
      method: "POST",
      headers: { ...MCP_POST_HEADERS, ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });

  it("answers malformed requests with 400 and one readable JSON-RPC error (#7)", async () => {
    const h = await start();
    const init = await post(h.url, INIT());
    const session = init.headers["mcp-session-id"] as string;
    await init.body.dump();
    for (const b of BAD_REQUESTS) {
      const r = await post(h.url, b.line, {
        "mcp-session-id": session,
        "mcp-protocol-version": "2025-11-25",
      });
      expect(r.statusCode, b.line).toBe(400);
      const reply = (await r.body.json()) as any;
      expect(reply.id, b.line).toBe(b.id);
      expect(reply.error.code, b.line).toBe(b.code);
      expect(reply.error.message, b.line).toMatch(b.says);
    }
  });

  it("caps sessions: 503 with Retry-After while all are in use, then evicts the idlest (#5)", async () => {
    const h = await start({ maxSessions: 2, evictableAfterMs: 300 });
    const ids: string[] = [];
    for (const n of [1, 2]) {
      const r = await post(h.url, INIT(n));
      expect(r.statusCode).toBe(200);
      ids.push(r.headers["mcp-session-id"] as string);
      await r.body.dump();
    }
    const busy = await post(h.url, INIT(3));
    expect(busy.statusCode).toBe(503);
    expect(busy.headers["retry-after"]).toBe("30");
    expect(((await busy.body.json()) as any).error.message).toMatch(/--max-sessions/);
    await new Promise((r) => setTimeout(r, 400));
    const fresh = await post(h.url, INIT(4));
    expect(fresh.statusCode).toBe(200);
    await fresh.body.dump();
    expect(h.sessionCount()).toBe(2);
    // The first session (used least recently) made room.
    const gone = await post(
      h.url,
      { jsonrpc: "2.0", id: 5, method: "ping" },
      { "mcp-session-id": ids[0] as string, "mcp-protocol-version": "2025-11-25" },
    );
    expect(gone.statusCode).toBe(404);
    await gone.body.dump();
  });

  it("caps connections", async () => {
    const h = await start({ maxConnections: 2 });
    const open = () =>
      new Promise<Socket>((resolve) => {
        const s = connect(h.port, "127.0.0.1", () => resolve(s));
      });
    const a = await open();
    const b = await open();
    const c = await open();
    // A wait for the event, with a deadline generous enough for a loaded machine.
    const closed = await new Promise<boolean>((resolve) => {
      c.once("close", () => resolve(true));
      setTimeout(() => resolve(false), 20_000).unref();
    });
    expect(closed).toBe(true);
    a.destroy();
    b.destroy();
  });

  it("drops a slow client: headers and body must arrive in time (#6)", async () => {
    const h = await start({ timeouts: { headersMs: 400, requestMs: 600 } });
    const slow = (text: string) =>
      new Promise<{ ms: number; reply: string }>((resolve) => {
        const t0 = Date.now();
        let reply = "";
        const s = connect(h.port, "127.0.0.1", () => s.write(text));
        s.on("data", (d) => {
          reply += d.toString();
        });
        s.on("close", () => resolve({ ms: Date.now() - t0, reply }));
      });
    // Node's own limits (60 s for headers, 300 s for a request) would outlast the test's
    // timeout: a close at all, with a 408, is the server's doing. The lower bounds show the
    // socket was held until the limit, not closed at once for some other reason.
    const noBody = await slow(
      "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
    );
    expect(noBody.reply).toMatch(/408/);
    expect(noBody.ms).toBeGreaterThanOrEqual(550);
    const noHeaders = await slow("POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    expect(noHeaders.reply).toMatch(/408/);
    expect(noHeaders.ms).toBeGreaterThanOrEqual(350);
  });

  it("bounds the life of a 2025 GET stream and a 2026 listen stream (#6)", async () => {
    const h = await start({ timeouts: { getStreamMs: 300, listenMs: 300 } });
    const init = await post(h.url, INIT());
    const session = init.headers["mcp-session-id"] as string;
    await init.body.dump();
    const t0 = Date.now();
    const get = await request(h.url, {
      headers: {
        accept: "text/event-stream",
        "mcp-session-id": session,
        "mcp-protocol-version": "2025-11-25",
      },
    });
    expect(get.statusCode).toBe(200);
    // The stream ends (the default lifetime is far past the test's timeout), at its limit.
    await get.body.dump();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);

    const client = new ModernClient(
      { name: "listen-bound", version: "1" },
      { versionNegotiation: { mode: { pin: "2026-07-28" } } },
    );
    await client.connect(new StreamableHTTPClientTransport(new URL(h.url)));
    const sub = await client.listen({ resourcesListChanged: true });
    const how = await Promise.race([
      sub.closed,
      new Promise((r) => setTimeout(() => r("still open"), 20_000).unref()),
    ]);
    expect(how).toBe("remote");
    await client.close();
  });

  it("delivers 413 for an over-limit chunked body without a reset, and logs nothing for aborted clients (#8)", async () => {
    // At debug level: the line saying a client went away is the event that the server has
    // handled the abort below (and had its chance to log an error for it).
    const lines: string[] = [];
    const h = await start({
      maxBodyBytes: 64 * 1024,
      log: createLogger("debug", "t", (l) => lines.push(l)),
    });
    async function* chunks() {
      for (let i = 0; i < 32; i++) yield Buffer.alloc(16 * 1024, 97);
    }
    const r = await request(h.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: Readable.from(chunks()),
    });
    expect(r.statusCode).toBe(413);
    expect(((await r.body.json()) as any).error.message).toMatch(/too large/);

    // A client that sends half a body and goes away.
    const from = lines.length;
    await new Promise<void>((resolve) => {
      const req = httpRequest(h.url, {
        method: "POST",
        headers: { "content-type": "application/json", "content-length": "1000" },
      });
      req.on("error", () => resolve());
      req.write('{"jsonrpc":"2.0",');
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 100);
    });
    await vi.waitFor(
      () =>
        expect(
          lines.slice(from).some((l) => /client went away|client error|\] error: /.test(l)),
        ).toBe(true),
      { timeout: 20_000, interval: 10 },
    );
    expect(lines.filter((l) => !/\] debug: /.test(l) && /error/.test(l))).toEqual([]);
  });
});
