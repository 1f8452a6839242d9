/**
 * Fuzz surface "jsonrpc": raw JSON-RPC lines, well-formed and not, of both protocol eras, sent
 * to a spawned stdio server and to the HTTP transport (both on the real local API). Per case:
 * a request with a valid id gets exactly one reply carrying that id, stdout carries nothing but
 * JSON-RPC, HTTP never answers 5xx, and the server is still serving afterwards. `npm test` runs
 * a few hundred cases; `npm run fuzz` runs FUZZ_RUNS of them per transport.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { join } from "node:path";
import fc from "fast-check";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWeavzClient } from "../../src/api/client.js";
import { createServerFactory } from "../../src/mcp/server.js";
import type { HttpHandle } from "../../src/transports/http.js";
import { CLI } from "../helpers/build.js";
import { tempDir, trackChild, useCliProcesses } from "../helpers/cli.js";
import { initializeRequest, MCP_POST_HEADERS } from "../helpers/jsonrpc.js";
import { startTestLocalApi, type TestLocalApi } from "../helpers/local-api.js";
import { DEMO_WS, serveOverHttp } from "../helpers/mcp.js";
import { FuzzStats, fuzzParams, fuzzTimeout, hostileJson, nastyString } from "./arbitraries.js";
import { answered, capturingLog, UNANSWERED } from "./harness.js";

/** Cases per transport in `npm test` (all run; `npm run fuzz` runs FUZZ_RUNS). */
const RUNS = 100;
// Generous: a loaded CI machine runs this next to every other test file.
const REPLY_MS = 30_000;
const MODERN = "2026-07-28";
const ENVELOPE = {
  "io.modelcontextprotocol/protocolVersion": MODERN,
  "io.modelcontextprotocol/clientCapabilities": {},
};

/** Methods worth aiming at (listen is left out: its answer is a stream that stays open). */
const METHODS = [
  "ping",
  "tools/list",
  "tools/call",
  "resources/list",
  "resources/read",
  "resources/templates/list",
  "resources/subscribe",
  "resources/unsubscribe",
  "completion/complete",
  "server/discover",
  "prompts/list",
  "logging/setLevel",
  "no/such/method",
  "initialize",
  "notifications/initialized",
  "notifications/cancelled",
];

/** params of every shape, some close to valid for the method. */
const params: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 2, arbitrary: hostileJson },
  {
    weight: 3,
    arbitrary: fc.record(
      {
        name: fc.oneof(
          fc.constantFrom("list_workspaces", "list_workspace_integrations", "search_catalog"),
          nastyString,
          hostileJson,
        ),
        arguments: fc.oneof(
          fc.constant({ workspaceId: DEMO_WS }),
          fc.dictionary(nastyString, hostileJson, { maxKeys: 3 }),
          hostileJson,
        ),
        uri: fc.oneof(
          fc.constantFrom("weavz://workspaces", `weavz://workspaces/${DEMO_WS}/integrations`),
          nastyString,
        ),
        _meta: fc.oneof(fc.constant(ENVELOPE), hostileJson),
      },
      { requiredKeys: [] },
    ),
  },
);

/** An id: valid ones get a fresh unique value at send time; the rest are sent as generated. */
type IdCase =
  | { kind: "valid-number" }
  | { kind: "valid-string" }
  | { kind: "none" }
  | { kind: "raw"; value: unknown };
const idCase: fc.Arbitrary<IdCase> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ kind: "valid-number" } as IdCase) },
  { weight: 2, arbitrary: fc.constant({ kind: "valid-string" } as IdCase) },
  { weight: 1, arbitrary: fc.constant({ kind: "none" } as IdCase) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom<unknown>(null, 2 ** 53 + 2, -(2 ** 60), 1.5, true, {}, [], "")
      .map((value): IdCase => ({ kind: "raw", value })),
  },
);

interface Case {
  id: IdCase;
  method: unknown;
  params: unknown;
  jsonrpc: unknown;
  omitParams: boolean;
}
const caseArb: fc.Arbitrary<Case | string> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      id: idCase,
      method: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...METHODS) }, hostileJson),
      params,
      jsonrpc: fc.oneof({ weight: 9, arbitrary: fc.constant("2.0") }, hostileJson),
      omitParams: fc.boolean(),
    }),
  },
  // Not a JSON-RPC object at all: garbage, other JSON, batches.
  { weight: 1, arbitrary: fc.string({ maxLength: 60 }).filter((s) => !s.includes("\n")) },
  {
    weight: 1,
    arbitrary: fc
      .oneof(
        fc.jsonValue({ maxDepth: 2 }),
        fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }),
      )
      .map((v) => JSON.stringify(v) ?? "null"),
  },
);

let counter = 0;
/** The raw line for a case, and the id a reply must carry (undefined: no reply owed by id). */
function materialize(c: Case | string): { line: string; id: string | number | undefined } {
  if (typeof c === "string") return { line: c, id: undefined };
  const msg: Record<string, unknown> = { jsonrpc: c.jsonrpc, method: c.method };
  if (!c.omitParams) msg.params = c.params;
  let id: string | number | undefined;
  if (c.id.kind === "valid-number") id = 1_000_000 + ++counter;
  else if (c.id.kind === "valid-string") id = `fuzz-${++counter}`;
  if (id !== undefined) msg.id = id;
  else if (c.id.kind === "raw") msg.id = c.id.value;
  // A reply is owed only to a well-formed request; a malformed one with a valid id gets its
  // error under that id too, so "exactly one reply" holds for every valid id.
  return { line: JSON.stringify(msg), id };
}

describe("fuzz: raw JSON-RPC over stdio", () => {
  useCliProcesses();
  let child: ChildProcessWithoutNullStreams;
  let out = "";
  let stderr = "";
  const byId = new Map<string | number, number>();
  const waiters = new Map<string | number, () => void>();
  const nonJson: string[] = [];

  beforeAll(async () => {
    const dir = tempDir("weavz-fuzz-stdio-");
    child = trackChild(
      spawn(process.execPath, [CLI], {
        env: {
          PATH: process.env.PATH ?? "",
          WEAVZ_LOCAL_DB: join(dir, "f.db"),
          WEAVZ_LOG_LEVEL: "error",
        },
        stdio: ["pipe", "pipe", "pipe"],
      }),
    );
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      let nl = out.indexOf("\n");
      while (nl !== -1) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        nl = out.indexOf("\n");
        let msg: any;
        try {
          msg = JSON.parse(line);
        } catch {
          nonJson.push(line);
          continue;
        }
        if (msg?.jsonrpc !== "2.0") nonJson.push(line);
        if (msg && "id" in msg && !("method" in msg) && msg.id !== null) {
          byId.set(msg.id, (byId.get(msg.id) ?? 0) + 1);
          waiters.get(msg.id)?.();
        }
      }
    });
    const init = JSON.stringify(initializeRequest({ id: "init", clientName: "fuzz" }));
    const ready = new Promise<void>((r) => waiters.set("init", r));
    child.stdin.write(
      `${init}\n${JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" })}\n`,
    );
    await answered(ready, REPLY_MS);
  });
  afterAll(() => {
    child.stdin.end();
  });

  it(
    "answers every request with a valid id exactly once, writes only JSON-RPC, keeps serving",
    async () => {
      const stats = new FuzzStats("jsonrpc-stdio", RUNS);
      await fc.assert(
        fc.asyncProperty(caseArb, async (c) => {
          stats.cases++;
          const { line, id } = materialize(c);
          const replied =
            id === undefined ? undefined : new Promise<void>((r) => waiters.set(id, r));
          child.stdin.write(`${line}\n`);
          if (id === undefined || replied === undefined) return;
          try {
            await answered(replied, REPLY_MS);
          } catch (err) {
            if ((err as Error).message === UNANSWERED) stats.unanswered++;
            throw new Error(`no reply to ${line.slice(0, 300)}`);
          } finally {
            waiters.delete(id);
          }
          if (child.exitCode !== null) stats.crashes++;
          expect(child.exitCode, "the server exited").toBeNull();
        }),
        fuzzParams(RUNS),
      );
      // Late duplicates would show here.
      const ping = new Promise<void>((r) => waiters.set("last", r));
      child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", id: "last", method: "ping" })}\n`);
      await answered(ping, REPLY_MS);
      // Only the ids this test made unique count; a raw id such as "" may be sent many times.
      const ours = (id: string | number) =>
        (typeof id === "number" && id > 1_000_000) ||
        (typeof id === "string" && id.startsWith("fuzz-"));
      const dupes = [...byId].filter(([id, n]) => ours(id) && n > 1);
      stats.report();
      stats.expectFloor();
      expect(dupes, "ids answered more than once").toEqual([]);
      expect(nonJson, "non-JSON-RPC lines on stdout").toEqual([]);
      expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
    },
    fuzzTimeout(),
  );
});

describe("fuzz: raw JSON-RPC over HTTP (both eras)", () => {
  let local: TestLocalApi;
  let http: HttpHandle;
  let api: ReturnType<typeof createWeavzClient>;
  let session: string;
  const logs = capturingLog();

  beforeAll(async () => {
    local = await startTestLocalApi({ demo: true });
    api = createWeavzClient({ baseUrl: local.url, apiKey: local.apiKey, log: logs.log });
    const factory = createServerFactory({ api, log: logs.log });
    http = await serveOverHttp(factory, { log: logs.log });
    const init = await request(http.url, {
      method: "POST",
      headers: MCP_POST_HEADERS,
      body: JSON.stringify(initializeRequest({ clientName: "fuzz" })),
    });
    session = init.headers["mcp-session-id"] as string;
    await init.body.dump();
  });
  afterAll(async () => {
    await http.close();
    await api.close();
    await local.close();
  });

  /** JSON-RPC messages in a reply body, JSON or SSE. */
  const messagesOf = (text: string): any[] => {
    if (text.trim() === "") return [];
    if (text.trimStart().startsWith("{")) return [JSON.parse(text)];
    return text
      .split("\n")
      .filter((l) => l.startsWith("data:"))
      .map((l) => l.slice(5).trim())
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l));
  };

  it(
    "never answers 5xx and answers every request with a valid id exactly once",
    async () => {
      const stats = new FuzzStats("jsonrpc-http", RUNS);
      await fc.assert(
        fc.asyncProperty(caseArb, fc.boolean(), async (c, modern) => {
          stats.cases++;
          const { line, id } = materialize(c);
          const method = typeof c === "string" ? undefined : c.method;
          const headers: Record<string, string> = { ...MCP_POST_HEADERS };
          if (modern) {
            headers["mcp-protocol-version"] = MODERN;
            // (Node itself refuses headers over 16 KiB, before any of our code runs.)
            if (typeof method === "string" && method.length < 4096 && /^[\x20-\x7e]*$/.test(method))
              headers["mcp-method"] = method;
          } else {
            headers["mcp-session-id"] = session;
            headers["mcp-protocol-version"] = "2025-11-25";
          }
          let status: number;
          let text: string;
          try {
            const r = await answered(
              request(http.url, { method: "POST", headers, body: line }),
              REPLY_MS,
            );
            status = r.statusCode;
            text = await answered(r.body.text(), REPLY_MS);
          } catch (err) {
            if ((err as Error).message === UNANSWERED) stats.unanswered++;
            else stats.crashes++;
            throw new Error(
              `${(err as Error).message}: ${line.slice(0, 300)} (${JSON.stringify(headers)})`,
            );
          }
          if (status >= 500) stats.crashes++;
          expect(status, `${status} for ${line.slice(0, 300)}`).toBeLessThan(500);
          if (status >= 400) stats.rejected++;
          else stats.accepted++;
          if (id === undefined) return;
          const replies = messagesOf(text).filter((m) => m.id === id && !("method" in m));
          // A 404 for an unknown session or a 202 for a notification-like body carries no id.
          if (replies.length === 0 && (status === 202 || status === 404 || status === 405)) return;
          expect(
            replies,
            `replies to ${line.slice(0, 300)} (status ${status}): ${text.slice(0, 300)}`,
          ).toHaveLength(1);
        }),
        fuzzParams(RUNS),
      );
      stats.report();
      stats.expectFloor();
      expect(logs.lines.filter((l) => / error: /.test(l))).toEqual([]);
    },
    fuzzTimeout(),
  );
});
