// Raw JSON-RPC pieces for tests that speak to the server without an SDK client (bare HTTP
// requests, stdin lines), so each test does not spell the same initialize body out again.

/** The Accept header value the Streamable HTTP transport requires on every POST. */
export const MCP_ACCEPT = "application/json, text/event-stream";

/** The headers of a JSON-RPC POST to the Streamable HTTP endpoint (spread, then add more). */
export const MCP_POST_HEADERS = { accept: MCP_ACCEPT, "content-type": "application/json" };

/**
 * A raw `initialize` request as a client would send it: no capabilities, the given protocol
 * version (the 1.x era default) and client name.
 */
export function initializeRequest({
  id = 1,
  protocolVersion = "2025-11-25",
  clientName = "raw",
}: {
  id?: number | string;
  protocolVersion?: string;
  clientName?: string;
} = {}) {
  return {
    jsonrpc: "2.0",
    id,
    method: "initialize",
    params: {
      protocolVersion,
      capabilities: {},
      clientInfo: { name: clientName, version: "1" },
    },
  };
}
