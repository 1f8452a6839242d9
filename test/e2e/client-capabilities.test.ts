// A tool that declares `needsClientCapabilities` is refused with the spec's
// MissingRequiredClientCapability error (-32021, data.requiredCapabilities; HTTP 400 in the
// 2026-07-28 era) when the client did not declare the capability, and runs when it did. The
// tool is the conformance suite's fixture test_missing_capability, registered the way
// scripts/conformance.mjs does it (fixture mode). Real clients of both SDK lines, our real
// server over HTTP (in process, port 0) and stdio (spawned CLI); nothing mocked.
import { join } from "node:path";
import {
  Client as ModernClient,
  StreamableHTTPClientTransport as ModernHttp,
} from "@modelcontextprotocol/client";
import { StdioClientTransport as ModernStdio } from "@modelcontextprotocol/client/stdio";
import { Client as LegacyClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport as LegacyStdio } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport as LegacyHttp } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ProtocolErrorCode } from "@modelcontextprotocol/server";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWeavzClient } from "../../src/api/client.js";
import { silentLogger } from "../../src/log.js";
import { createServerFactory } from "../../src/mcp/server.js";
import type { HttpHandle } from "../../src/transports/http.js";
import { cliStdio, tempDir, useCliProcesses } from "../helpers/cli.js";
import { MCP_POST_HEADERS } from "../helpers/jsonrpc.js";
import { startTestLocalApi, type TestLocalApi } from "../helpers/local-api.js";
import { serveOverHttp } from "../helpers/mcp.js";

const MODERN = "2026-07-28";
const TOOL = "test_missing_capability";
const MISSING = ProtocolErrorCode.MissingRequiredClientCapability;
const SAMPLING = { sampling: {} };

const modernClient = (capabilities: Record<string, object> = {}) =>
  new ModernClient(
    { name: "caps-modern", version: "1" },
    { capabilities, versionNegotiation: { mode: { pin: MODERN } } },
  );
const legacyClient = (capabilities: Record<string, object> = {}) =>
  new LegacyClient({ name: "caps-legacy", version: "1" }, { capabilities });

/** What a refused call must look like, whichever client line raised it. */
const refusal = {
  code: MISSING,
  message: expect.stringMatching(/needs the client's sampling capability/),
  data: { requiredCapabilities: SAMPLING },
};

/** Either SDK line's client, as far as these tests call it. */
interface Caller {
  callTool(req: { name: string; arguments: Record<string, unknown> }): Promise<any>;
}

/** The fixture is refused for the client that did not declare sampling. */
const expectRefused = (without: Caller) =>
  expect(without.callTool({ name: TOOL, arguments: {} })).rejects.toMatchObject(refusal);

/** The fixture runs for the client that declared sampling, and sees the declaration. */
async function expectServed(withSampling: Caller): Promise<void> {
  const ok = await withSampling.callTool({ name: TOOL, arguments: {} });
  expect(ok.isError, JSON.stringify(ok.content)).toBeFalsy();
  expect(ok.structuredContent).toEqual({ declared: ["sampling"] });
}

describe("tools that need a client capability, over HTTP (both eras on one endpoint)", () => {
  let local: TestLocalApi;
  let api: ReturnType<typeof createWeavzClient>;
  let http: HttpHandle;
  let plain: HttpHandle;
  beforeAll(async () => {
    local = await startTestLocalApi();
    api = createWeavzClient({ baseUrl: local.url, apiKey: local.apiKey, log: silentLogger });
    const serve = (conformanceFixtures: boolean) => {
      const factory = createServerFactory({ api, log: silentLogger, conformanceFixtures });
      return serveOverHttp(factory);
    };
    [http, plain] = await Promise.all([serve(true), serve(false)]);
  });
  afterAll(async () => {
    await http.close();
    await plain.close();
    await api.close();
    await local.close();
  });

  it("2026-07-28 (v2 client): refused with -32021 without sampling, served with it", async () => {
    const without = modernClient();
    await without.connect(new ModernHttp(new URL(http.url)));
    const withSampling = modernClient(SAMPLING);
    await withSampling.connect(new ModernHttp(new URL(http.url)));
    try {
      expect(without.getProtocolEra()).toBe("modern");
      expect((await without.listTools()).tools.map((t) => t.name)).toContain(TOOL);
      await expectRefused(without);
      // Checked before the arguments: a bad argument does not hide the real obstacle.
      await expect(without.callTool({ name: TOOL, arguments: { nope: 1 } })).rejects.toMatchObject(
        refusal,
      );
      await expectServed(withSampling);
      // Other tools do not care what the client declared.
      const other = await without.callTool({ name: "list_workspaces", arguments: {} });
      expect(other.isError).toBeFalsy();
    } finally {
      await without.close();
      await withSampling.close();
    }
  });

  it("2026-07-28 on the wire: HTTP 400, -32021, the request id and requiredCapabilities", async () => {
    const call = (id: number, clientCapabilities: object) =>
      request(http.url, {
        method: "POST",
        headers: {
          ...MCP_POST_HEADERS,
          "mcp-protocol-version": MODERN,
          "mcp-method": "tools/call",
          "mcp-name": TOOL,
        },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id,
          method: "tools/call",
          params: {
            name: TOOL,
            arguments: {},
            _meta: {
              "io.modelcontextprotocol/protocolVersion": MODERN,
              "io.modelcontextprotocol/clientCapabilities": clientCapabilities,
            },
          },
        }),
      });
    const refused = await call(401, {});
    expect(refused.statusCode).toBe(400);
    const body = (await refused.body.json()) as any;
    expect(body.id).toBe(401);
    expect(body.result).toBeUndefined();
    expect(body.error).toMatchObject(refusal);
    // Another capability does not stand in for the one needed.
    const wrong = await call(402, { elicitation: {} });
    expect(wrong.statusCode).toBe(400);
    expect(((await wrong.body.json()) as any).error.code).toBe(MISSING);
    const served = await call(403, SAMPLING);
    expect(served.statusCode).toBe(200);
    const text = await served.body.text();
    expect(text).toContain('"declared":["sampling"]');
  });

  it("2025-11-25 (1.x client): refused with -32021 unless declared at initialize", async () => {
    const without = legacyClient();
    const withoutTransport = new LegacyHttp(new URL(http.url));
    await without.connect(withoutTransport);
    const withSampling = legacyClient(SAMPLING);
    const withTransport = new LegacyHttp(new URL(http.url));
    await withSampling.connect(withTransport);
    try {
      await expectRefused(without);
      await expectServed(withSampling);
    } finally {
      await withoutTransport.terminateSession();
      await without.close();
      await withTransport.terminateSession();
      await withSampling.close();
    }
  });

  it("serves no fixture outside fixture mode", async () => {
    const client = modernClient(SAMPLING);
    await client.connect(new ModernHttp(new URL(plain.url)));
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).not.toContain(TOOL);
      const r = await client.callTool({ name: TOOL, arguments: {} });
      expect(r.isError).toBe(true);
      expect((r.content[0] as { text: string }).text).toMatch(
        /UNKNOWN_TOOL: there is no tool "test_missing_capability"/,
      );
    } finally {
      await client.close();
    }
  });
});

describe("tools that need a client capability, over stdio (spawned CLI in fixture mode)", () => {
  useCliProcesses();
  let dir: string;
  beforeAll(() => {
    dir = tempDir("weavz-caps-stdio-");
  });
  /** The CLI in fixture mode on its own database DB, for either SDK's stdio transport. */
  const cli = (db: string) =>
    cliStdio(
      {
        WEAVZ_LOCAL_DB: join(dir, db),
        WEAVZ_LOG_LEVEL: "error",
        WEAVZ_CONFORMANCE_FIXTURES: "1",
      },
      "pipe",
    );

  it("2026-07-28 (v2 client): refused without sampling, served with it", async () => {
    const without = modernClient();
    await without.connect(new ModernStdio(cli("a.db")));
    const withSampling = modernClient(SAMPLING);
    await withSampling.connect(new ModernStdio(cli("b.db")));
    try {
      expect(without.getProtocolEra()).toBe("modern");
      await expectRefused(without);
      await expectServed(withSampling);
    } finally {
      await without.close();
      await withSampling.close();
    }
  });

  it("2025-11-25 (1.x client): refused without sampling, served with it", async () => {
    const without = legacyClient();
    await without.connect(new LegacyStdio(cli("c.db")));
    const withSampling = legacyClient(SAMPLING);
    await withSampling.connect(new LegacyStdio(cli("d.db")));
    try {
      await expectRefused(without);
      await expectServed(withSampling);
    } finally {
      await without.close();
      await withSampling.close();
    }
  });
});
