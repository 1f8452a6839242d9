/**
 * Issue 23.6: a local MCP endpoint (a Weavz MCP server's mcpEndpoint on the local API).
 * A flood of wrong tokens from one source must not lock out a valid token used for the first
 * time from another; a rebinding page (Origin equal to its own Host) is refused. The real
 * local API on port 0 and raw HTTP with undici; the flood comes from 127.0.0.2 (every
 * 127/8 address is loopback on Linux), the real client from 127.0.0.1.
 */
import { Agent, request } from "undici";
import { afterAll, describe, expect, it } from "vitest";
import { initializeRequest, MCP_POST_HEADERS } from "../helpers/jsonrpc.js";
import { useLocalApi } from "../helpers/local-api.js";

const env = useLocalApi({ demo: true });
const flooder = new Agent({ localAddress: "127.0.0.2", connections: 64 });
afterAll(() => flooder.close());

async function bearerServer(): Promise<{ endpoint: string; token: string }> {
  const r = await env.call("POST", "/api/v1/mcp/servers", {
    name: `Agent ${Math.random().toString(36).slice(2, 8)}`,
    workspaceId: "a1b2c3d4-e5f6-7890-abcd-ef1234567890",
    authMode: "bearer",
  });
  expect(r.status, r.text).toBe(201);
  return { endpoint: r.body.mcpEndpoint, token: r.body.bearerToken };
}

const init = (endpoint: string, token: string, extra: Record<string, string> = {}, agent?: Agent) =>
  request(endpoint, {
    method: "POST",
    headers: { ...MCP_POST_HEADERS, authorization: `Bearer ${token}`, ...extra },
    body: JSON.stringify(initializeRequest()),
    ...(agent ? { dispatcher: agent } : {}),
  }).then(async (r) => ({ status: r.statusCode, text: await r.body.text() }));

describe("local MCP endpoint guards", () => {
  it("a flood of wrong tokens from one source leaves a valid first-time token working", async () => {
    const { endpoint, token } = await bearerServer();
    const flood = Array.from({ length: 300 }, (_, i) =>
      init(endpoint, `mcp_wrong_guess_${i}_0123456789abcdef`, {}, flooder),
    );
    // The valid token's first use (no cached verification yet), while the flood is queued.
    const mine = await init(endpoint, token);
    const floodStatuses = (await Promise.all(flood)).map((r) => r.status);
    expect(mine.status, mine.text.slice(0, 300)).toBe(200);
    expect(floodStatuses.filter((s) => s === 200)).toEqual([]);
    // The flood itself is cut off by its source's budget.
    expect(floodStatuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    // Guessing one at a time: after its budget of failed checks the source is refused
    // without any more KDF work (its budget: 10 failures a minute), while the valid token still works.
    const sequential: number[] = [];
    for (let i = 0; i < 15 && sequential.at(-1) !== 429; i++)
      sequential.push(
        (await init(endpoint, `mcp_slow_guess_${i}_0123456789ab`, {}, flooder)).status,
      );
    expect(sequential.at(-1)).toBe(429);
    expect(sequential.filter((s) => s === 401).length).toBeLessThanOrEqual(10);
    expect((await init(endpoint, token)).status).toBe(200);
  }, 90_000);

  it("refuses an Origin equal to the Host it rebinds to, even with the right token", async () => {
    const { endpoint, token } = await bearerServer();
    const port = new URL(endpoint).port;
    const rebound = await init(endpoint, token, {
      origin: `http://rebind.example:${port}`,
      host: `rebind.example:${port}`,
    });
    expect(rebound.status).toBe(403);
    expect(rebound.text).toMatch(/Origin/);
    const loopback = await init(endpoint, token, { origin: `http://localhost:${port}` });
    expect(loopback.status).toBe(200);
  });
});
