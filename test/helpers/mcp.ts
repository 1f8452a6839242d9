import { type ClientOptions, Client as ModernClient } from "@modelcontextprotocol/client";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import {
  type CallToolResult,
  ResourceUpdatedNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { expect } from "vitest";
import { createWeavzClient, type WeavzClient } from "../../src/api/client.js";
import { silentLogger } from "../../src/log.js";
import { createServerFactory, type ServerDeps } from "../../src/mcp/server.js";
import { type HttpOptions, serveHttp } from "../../src/transports/http.js";
import { startTestLocalApi } from "./local-api.js";
import { resourceUpdates } from "./updates.js";

export const DEMO_WS = "a1b2c3d4-e5f6-7890-abcd-ef1234567890";
export const SLACK_BOT_CONN = "c1d2e3f4-5678-90ab-cdef-1234567890ab";

/** Text of the first content block of a tool result. */
export const textOf = (r: CallToolResult) => (r.content[0] as { text: string }).text;

/**
 * A confirmed tool call over CALL as a model does it without elicitation: preview, then the
 * same call with the token it returned (or the preview itself when none was asked for).
 */
export function confirming<R extends { structuredContent?: Record<string, any> }>(
  call: (name: string, args: Record<string, unknown>) => Promise<R>,
) {
  return async (name: string, args: Record<string, unknown> = {}): Promise<R> => {
    const preview = await call(name, args);
    const token = preview.structuredContent?.confirm;
    return typeof token === "string" ? call(name, { ...args, confirm: token }) : preview;
  };
}

/**
 * Our real MCP server for the given API client, with the SDK Client connected in memory.
 * Closing it closes the client, the server and the API client.
 */
export async function connectMcp(
  api: WeavzClient,
  opts: Partial<Omit<ServerDeps, "api" | "log">> = {},
) {
  const factory = createServerFactory({ api, log: silentLogger, ...opts });
  const server = factory.newServer();
  const client = new Client({ name: "weavz-mcp-tests", version: "1.0.0" });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
  const call = async (
    name: string,
    args: Record<string, unknown> = {},
    options?: { signal?: AbortSignal },
  ) =>
    (await client.callTool({ name, arguments: args }, undefined, options)) as CallToolResult & {
      structuredContent?: Record<string, any>;
    };
  const callConfirmed = confirming(call);
  return {
    client,
    server,
    hub: factory.hub,
    api,
    call,
    callConfirmed,
    text: textOf,
    close: async () => {
      await client.close();
      await server.close();
      await api.close();
    },
  };
}

/**
 * One setup for MCP tests: the real local API on port 0 with a temporary database, the real
 * HTTP client, our real MCP server, and the SDK Client connected in memory. `apiKey` replaces
 * the local API's key on the client side (to test rejected or scoped keys).
 */
export async function setup(
  opts: Partial<Omit<ServerDeps, "api" | "log">> & {
    local?: Parameters<typeof startTestLocalApi>[0];
    apiKey?: string;
  } = {},
) {
  const { local: localOpts, apiKey, ...serverOpts } = opts;
  const local = await startTestLocalApi({ demo: true, ...localOpts });
  const api = createWeavzClient({
    baseUrl: local.url,
    apiKey: apiKey ?? local.apiKey,
    log: silentLogger,
  });
  const mcp = await connectMcp(api, serverOpts);
  return {
    ...mcp,
    local,
    close: async () => {
      await mcp.close();
      await local.close();
    },
  };
}

/**
 * Serves FACTORY's servers over our real Streamable HTTP transport on 127.0.0.1, port 0, with
 * a silent log; EXTRA transport options (limits, timeouts, a capturing log) override those.
 */
export function serveOverHttp(
  factory: ReturnType<typeof createServerFactory>,
  extra: Partial<HttpOptions> = {},
) {
  return serveHttp({
    host: "127.0.0.1",
    port: 0,
    newServer: factory.newServer,
    hub: factory.hub,
    log: silentLogger,
    ...extra,
  });
}

/**
 * Collects resources/updated notifications and lets a test wait for the next one for a URI.
 * The wait's timeout only bounds a failure: how soon the feed notices a change is the unit
 * test's to show (src/mcp/resources/hub.test.ts, under fake timers), not a wall clock's.
 */
export function watchUpdates(client: Client) {
  const u = resourceUpdates({ timeoutMs: 15_000 });
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => u.push(n.params.uri));
  return u;
}

/**
 * Waits until whatever the local API's writes so far make the hub notify has been notified:
 * the feed has re-read at the change counter's current value, nothing the hub started is
 * still running, and the client has received what was sent before its ping's answer.
 */
export async function settled(env: Awaited<ReturnType<typeof setup>>): Promise<void> {
  const { seq } = await env.api.waitForChange(undefined, 0);
  await expect
    .poll(() => env.hub.stats.caughtUp ?? -1, { timeout: 15_000 })
    .toBeGreaterThanOrEqual(seq);
  await env.hub.idle();
  await env.client.ping();
}

/** An SDK v2 client pinned to protocol 2026-07-28 (stateless); OPTIONS add to that. */
export function modernClient(name: string, version = "1", options: ClientOptions = {}) {
  return new ModernClient(
    { name, version },
    { versionNegotiation: { mode: { pin: "2026-07-28" } }, ...options },
  );
}
