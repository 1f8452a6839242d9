import type { Readable, Writable } from "node:stream";
import type { McpServerFactory } from "@modelcontextprotocol/server";
import { serveStdio as hostServeStdio } from "../host/stdio.js";
import type { ResourceHub } from "../mcp/resources/hub.js";
import { stringifyMessage } from "../mcp/result-json.js";

/**
 * Serves this MCP server over stdin/stdout (src/host/stdio.ts): a 2026 listen stream enters
 * the change hub through its one entry (`hub.listen`), and results are written reusing the
 * JSON their builder already made.
 */
export function serveStdio(
  factory: McpServerFactory,
  hub: ResourceHub,
  io?: { stdin: Readable; stdout: Writable },
): Promise<void> {
  return hostServeStdio(factory, { onListen: hub.listen, stringify: stringifyMessage, ...io });
}
