import { resolve } from "node:path";
import { createLogger } from "../log.js";
import { startEmbeddedLocalApi } from "./backend.js";
import { ConfigError, loadConfig } from "./config.js";
import { DEFAULT_LOCAL_API_PORT } from "./options/server.js";

/** Where the command writes: stdout for the result, stderr for errors. */
export interface McpServerCommandIo {
  out(text: string): void;
  err(text: string): void;
}

const USAGE =
  "usage: weavz-mcp mcp-server token ID [--db PATH] [--no-demo]  (ID from list_mcp_servers)";

/**
 * `weavz-mcp mcp-server token ID`: mints a new static bearer token for one MCP server of the
 * local database, through the local API's own route (PATCH regenerateBearerToken, run by an
 * in-process local API on a loopback port), and prints the endpoint and the token once.
 * The endpoint is served by `weavz-mcp local-api` (and by a running MCP server's embedded API
 * on its own port). Backend flags are those of `history`; the option table stays the one
 * in config.ts.
 */
export async function runMcpServerCommand(
  argv: readonly string[],
  io: McpServerCommandIo,
): Promise<number> {
  const [verb, id, ...flags] = argv;
  if (verb !== "token" || !id || id.startsWith("-")) {
    io.err(`weavz-mcp: ${USAGE}\n`);
    return 2;
  }
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(["history", ...flags]);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.err(`weavz-mcp: ${err.message.replace(/\bhistory\b/g, "mcp-server token")}\n`);
    return 2;
  }
  if (config.api.apiKey) {
    io.err(
      "weavz-mcp: mcp-server token works on the local database; with WEAVZ_API_KEY (hosted Weavz) regenerate the token in the Weavz dashboard.\n",
    );
    return 1;
  }
  const dbPath = resolve(config.local.db);
  const { local, key } = await startEmbeddedLocalApi(
    { ...config, local: { ...config.local, db: dbPath } },
    createLogger(config.log.level),
  );
  try {
    type Answer = {
      server?: { id: string; name: string; authMode: string };
      bearerToken?: string;
      error?: string;
      code?: string;
    };
    const patch = async (change: Record<string, unknown>) => {
      const r = await fetch(`${local.url}/api/v1/mcp/servers/${encodeURIComponent(id)}`, {
        method: "PATCH",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify(change),
      });
      return { res: r, body: (await r.json()) as Answer };
    };
    let { res, body } = await patch({ regenerateBearerToken: true });
    // An OAuth-only server gets a token beside OAuth: the local API serves bearer tokens only.
    let switched = false;
    if (body.code === "VALIDATION_ERROR" && /authMode/.test(body.error ?? "")) {
      ({ res, body } = await patch({ authMode: "oauth_and_bearer" }));
      switched = res.ok;
    }
    if (!res.ok || !body.bearerToken || !body.server) {
      const code = body.code ?? `HTTP ${res.status}`;
      const why =
        code === "NOT_FOUND"
          ? `no MCP server with id ${JSON.stringify(id)} in the local database ${dbPath}; list_mcp_servers (or GET /api/v1/mcp/servers) shows the ids.`
          : (body.error ?? "the local API refused");
      io.err(`weavz-mcp: ${code}: ${why}\n`);
      return 1;
    }
    const endpoint = `http://127.0.0.1:${DEFAULT_LOCAL_API_PORT}/api/v1/mcp/servers/${body.server.id}/mcp`;
    io.out(
      [
        `MCP server ${body.server.id} (${body.server.name})`,
        `endpoint: ${endpoint}`,
        `  served while \`weavz-mcp local-api\` runs (port ${DEFAULT_LOCAL_API_PORT} unless --port says otherwise)`,
        ...(switched
          ? [
              "auth mode: oauth → oauth_and_bearer (the local API serves bearer tokens only; while a server has one, the workspace takes no per_user integrations)",
            ]
          : []),
        `token: ${body.bearerToken}`,
        "  shown once; it replaces the server's previous token. Clients send it as: Authorization: Bearer <token>",
        "",
      ].join("\n"),
    );
    return 0;
  } finally {
    await local.close();
  }
}
