/**
 * Fuzz surface "tools": every listed tool's arguments, generated from its published input
 * schema (valid-ish values and each way of breaking them), sent as raw tools/call requests by
 * a real MCP client to our real server on the real local API (port 0, temporary database).
 * Per case: one reply, no internal error, no secret in the reply or the logs, and a refused
 * call leaves the database as it was. `npm test` runs a few hundred cases; `npm run fuzz` runs
 * FUZZ_RUNS of them.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { CallToolResultSchema } from "@modelcontextprotocol/sdk/types.js";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWeavzClient } from "../../src/api/client.js";
import { createServerFactory } from "../../src/mcp/server.js";
import { startTestLocalApi, type TestLocalApi } from "../helpers/local-api.js";
import { DEMO_WS } from "../helpers/mcp.js";
import {
  FuzzStats,
  findSecret,
  fuzzParams,
  fuzzTimeout,
  type JsonSchema,
  nastyString,
  toolArgs,
} from "./arbitraries.js";
import { answered, capturingLog, fingerprint, UNANSWERED } from "./harness.js";

/** Cases in `npm test` (all run; `npm run fuzz` runs FUZZ_RUNS). */
const RUNS = 150;
const REPLY_MS = 10_000;

describe("fuzz: tool arguments through a real MCP client", () => {
  let local: TestLocalApi;
  let client: Client;
  let closeAll: () => Promise<void>;
  let tools: Array<{ name: string; inputSchema: JsonSchema }>;
  const logs = capturingLog();

  beforeAll(async () => {
    local = await startTestLocalApi({ demo: true, log: logs.log });
    const api = createWeavzClient({
      baseUrl: local.url,
      apiKey: local.apiKey,
      log: logs.log,
      timeoutMs: 5_000,
      retryBaseMs: 1,
    });
    const factory = createServerFactory({ api, log: logs.log, defaultWorkspaceId: DEMO_WS });
    const server = factory.newServer();
    client = new Client({ name: "fuzz", version: "1.0.0" });
    const [ct, st] = InMemoryTransport.createLinkedPair();
    await Promise.all([server.connect(st), client.connect(ct)]);
    tools = (await client.listTools()).tools as typeof tools;
    closeAll = async () => {
      await client.close();
      await server.close();
      factory.hub.close();
      await api.close();
      await local.close();
    };
  });
  afterAll(async () => {
    await closeAll?.();
  });

  it(
    "no crash, one reply, no secret, nothing stored when refused",
    async () => {
      const stats = new FuzzStats("tools", RUNS);
      const secrets = [local.apiKey, local.apiKey.slice(4)];
      const call = fc.oneof(
        {
          weight: 20,
          arbitrary: fc.oneof(
            ...tools.map((t) => toolArgs(t.inputSchema).map((args) => ({ name: t.name, args }))),
          ),
        },
        // A tool name nobody registered.
        {
          weight: 1,
          arbitrary: fc
            .tuple(nastyString, fc.jsonValue({ maxDepth: 1 }))
            .map(([name, args]) => ({ name, args })),
        },
      );
      try {
        await fc.assert(
          fc.asyncProperty(call, async ({ name, args }) => {
            stats.cases++;
            const before = fingerprint(local.store);
            let reply: unknown;
            let refused: boolean;
            try {
              const r = await answered(
                client.request(
                  { method: "tools/call", params: { name, arguments: args } as never },
                  CallToolResultSchema,
                ),
                REPLY_MS,
              );
              reply = r;
              refused = r.isError === true;
              if (refused) stats.rejected++;
              else stats.accepted++;
              // A failure the server did not expect is reported as INTERNAL_ERROR: our 500.
              if (JSON.stringify(r).includes("INTERNAL_ERROR")) {
                stats.crashes++;
                throw new Error(`internal error for ${name}: ${JSON.stringify(r).slice(0, 500)}`);
              }
            } catch (err) {
              const message = (err as Error).message;
              if (message === UNANSWERED) {
                stats.unanswered++;
                throw err;
              }
              // A JSON-RPC error is a refusal; an internal one is a crash.
              const code = (err as { code?: number }).code;
              if (code === -32603 || code === undefined) {
                stats.crashes++;
                throw err;
              }
              reply = message;
              refused = true;
              stats.rejected++;
            }
            const text = `${JSON.stringify(reply)}\n${logs.lines.join("\n")}`;
            logs.lines.length = 0;
            if (findSecret(text, secrets)) {
              stats.leaks++;
              throw new Error(`secret in output of ${name}`);
            }
            if (refused)
              expect(fingerprint(local.store), `${name} refused but stored`).toBe(before);
          }),
          fuzzParams(RUNS),
        );
      } finally {
        stats.report();
      }
      stats.expectFloor();
      expect(stats.crashes + stats.unanswered + stats.leaks).toBe(0);
    },
    fuzzTimeout(),
  );
});
