import type { McpServer } from "../../domain/mcp-server.js";
import { isSafeToken } from "../fence.js";

/** A URL shown outside the fence only when it is plainly one (no spaces, quotes or markup). */
const PLAIN_URL = /^https?:\/\/[A-Za-z0-9.:[\]-]+(\/[A-Za-z0-9._~%/-]*)?$/;

/**
 * How a client reaches one MCP server: its endpoint, and how to get its token (a static
 * bearer token is shown only when issued, so the way to a new one is named).
 */
export function accessOf(server: McpServer): string {
  const id = isSafeToken(server.id) ? server.id : "ID";
  const endpoint = server.mcpEndpoint
    ? PLAIN_URL.test(server.mcpEndpoint)
      ? `endpoint ${server.mcpEndpoint}`
      : "endpoint in the data below"
    : "endpoint shown in the Weavz dashboard";
  const mint = `\`weavz-mcp mcp-server token ${id}\` prints a new bearer token once on the local API (on hosted Weavz, regenerate it in the dashboard)`;
  if (server.authMode === "oauth")
    return `${endpoint}; clients sign in with OAuth (the local API serves bearer tokens only: ${mint}, adding bearer to its auth mode)`;
  return server.hasBearerToken
    ? `${endpoint}; static bearer token shown only when issued: ${mint}, replacing the old one`
    : `${endpoint}; no bearer token yet: ${mint}`;
}
