import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type Logger, silentLogger } from "../log.js";
import { loadCatalog } from "./catalog.js";
import { ChangeFeed } from "./changes.js";
import { seedDemo } from "./demo.js";
import { ApiError, errorBody } from "./errors.js";
import type { McpEndpoints } from "./mcp-endpoint/index.js";
import { type Principal, Router } from "./router.js";
import { Store } from "./store.js";
import { generateToken, hashKey } from "./tokens.js";

export const MAX_BODY_BYTES = 1024 * 1024;
/** After a 413 the rest of the body is read and dropped (never buffered) up to this much; then the socket is closed. */
const MAX_DISCARD_BYTES = 16 * 1024 * 1024;
const API_PREFIX = "/api/v1";
/** Each MCP server's own Streamable HTTP endpoint (authenticated by its mcp_ token, not the API key). */
const MCP_ENDPOINT_PATH = /^\/api\/v1\/mcp\/servers\/([^/]+)\/mcp$/;

export interface LocalApiOptions {
  host?: string;
  port?: number;
  dbPath: string;
  /** A key to accept; stored hashed if not stored yet. */
  apiKey?: string;
  /** Seed demo data into a brand-new database (default true). */
  demo?: boolean;
  /**
   * Generate a key when the database has none and apiKey is absent. Default: true, unless
   * extraKeys are given (the embedded MCP mode brings its own in-memory key).
   */
  generateKey?: boolean;
  log?: Logger;
  /** Keys accepted in memory only (never stored); with workspaceIds, limited to them. */
  extraKeys?: Array<{ key: string; workspaceIds?: string[] }>;
}

export interface LocalApi {
  /** e.g. http://127.0.0.1:54321 (no /api/v1). */
  url: string;
  port: number;
  /** Set only when this start generated a key (shown once, stored hashed). */
  generatedApiKey?: string;
  /** True when the database already held keys and no apiKey was given. */
  usingStoredKey: boolean;
  store: Store;
  /** The long-poll behind GET /api/v1/changes (introspection: polling, waiting, pollTicks). */
  changes: ChangeFeed;
  /** The MCP servers' endpoints, once the first MCP request loaded them (introspection). */
  readonly mcpEndpoints: McpEndpoints | undefined;
  close(): Promise<void>;
}

/** A new API key: `wvz_` + 32 random base62 characters. */
export function generateApiKey(): string {
  return generateToken("wvz_");
}

export { hashKey };

interface KnownKey {
  hash: Buffer;
  principal: Principal;
}

function send(
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  requestId: string,
  extra?: Record<string, string>,
): void {
  const headers: Record<string, string | number> = {
    "content-type": "application/json; charset=utf-8",
    "content-length": typeof body === "string" ? Buffer.byteLength(body) : body.length,
    "x-request-id": requestId,
  };
  if (extra) Object.assign(headers, extra);
  res.writeHead(status, headers);
  res.end(body);
}

/** Reads a JSON body up to MAX_BODY_BYTES; 413 beyond it (without buffering the rest). */
function readJson(req: IncomingMessage): Promise<unknown> {
  const declared = Number(req.headers["content-length"]);
  const tooLarge = () =>
    new ApiError(
      413,
      "PAYLOAD_TOO_LARGE",
      `Request body exceeds ${MAX_BODY_BYTES} bytes (1 MiB).`,
      { limitBytes: MAX_BODY_BYTES },
    );
  const discard = () => {
    // Nothing more is buffered. The rest is read and dropped so the client, which may still
    // be sending, gets the 413 instead of a reset; past MAX_DISCARD_BYTES the socket is dropped.
    let dropped = 0;
    req.removeAllListeners("data");
    req.on("data", (chunk: Buffer) => {
      dropped += chunk.length;
      if (dropped > MAX_DISCARD_BYTES) req.socket.destroy();
    });
    req.resume();
  };
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) {
    discard();
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on("data", (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        done = true;
        chunks.length = 0;
        discard();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (done) return;
      done = true;
      const text =
        chunks.length === 1
          ? (chunks[0] as Buffer).toString("utf8")
          : Buffer.concat(chunks).toString("utf8");
      if (text.trim() === "") {
        resolve(undefined);
        return;
      }
      try {
        resolve(JSON.parse(text));
      } catch (err) {
        reject(
          new ApiError(
            400,
            "INVALID_JSON",
            `The request body is not valid JSON: ${(err as Error).message}`,
          ),
        );
      }
    });
    req.on("error", (err) => {
      if (done) return;
      done = true;
      reject(err);
    });
  });
}

/** Starts the local Weavz-compatible API on host:port (port 0 picks a free one). */
export async function startLocalApi(opts: LocalApiOptions): Promise<LocalApi> {
  const log = opts.log ?? silentLogger;
  const host = opts.host ?? "127.0.0.1";
  const store = new Store(opts.dbPath, {
    onCreate: opts.demo === false ? undefined : (s) => seedDemo(s),
  });

  // Keys: only SHA-256 hashes are stored; the generated key is returned once.
  let generatedApiKey: string | undefined;
  let usingStoredKey = false;
  try {
    // Write only when something changes, so a restart leaves the change marker alone.
    if (opts.apiKey !== undefined) {
      const hex = hashKey(opts.apiKey).toString("hex");
      if (!store.hasApiKeyHash(hex)) store.addApiKeyHash(hex);
    } else if (store.apiKeyCount() > 0) {
      usingStoredKey = true;
    } else if (opts.generateKey ?? !opts.extraKeys?.length) {
      store.write(() => {
        // Re-checked inside the write lock: another process may have just added one.
        if (store.apiKeyCount() > 0) {
          usingStoredKey = true;
          return;
        }
        generatedApiKey = generateApiKey();
        store.addApiKeyHash(hashKey(generatedApiKey).toString("hex"));
      });
    }
  } catch (err) {
    store.close();
    throw err;
  }
  const known: KnownKey[] = store
    .apiKeyHashes()
    .map((hex) => ({ hash: Buffer.from(hex, "hex"), principal: {} }));
  for (const k of opts.extraKeys ?? []) {
    known.push({
      hash: hashKey(k.key),
      principal: k.workspaceIds ? { scope: new Set(k.workspaceIds) } : {},
    });
  }

  const authenticate = (header: string | undefined): Principal | undefined => {
    if (!header) return undefined;
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m?.[1]) return undefined;
    const hash = hashKey(m[1]);
    let found: Principal | undefined;
    // Compare against every known hash, in constant time each, without an early exit.
    for (const k of known) {
      if (timingSafeEqual(k.hash, hash) && !found) found = k.principal;
    }
    if (found) return found;
    // A key another process on this database added after we started.
    const hex = hash.toString("hex");
    if (store.hasApiKeyHash(hex)) {
      const principal: Principal = {};
      known.push({ hash, principal });
      return principal;
    }
    return undefined;
  };

  const changes = new ChangeFeed(store);
  let origin = "";
  const router = new Router(store, loadCatalog, { changes, origin: () => origin });
  // Loaded on the first MCP request: the SDK is a large module graph that plain REST use
  // (and the embedded local API's cold start) should not pay for.
  let mcpEndpoints: McpEndpoints | undefined;
  let loadingEndpoints: Promise<McpEndpoints> | undefined;
  const endpoints = () =>
    (loadingEndpoints ??= import("./mcp-endpoint/index.js").then((m) => {
      mcpEndpoints = new m.McpEndpoints({ store, catalog: loadCatalog, changes, log });
      return mcpEndpoints;
    }));

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = crypto.randomUUID();
    const method = req.method ?? "GET";
    const rawUrl = req.url ?? "/";
    try {
      const q = rawUrl.indexOf("?");
      const path = q === -1 ? rawUrl : rawUrl.slice(0, q);
      if (path === "/health") {
        if (method !== "GET" && method !== "HEAD") {
          throw new ApiError(
            405,
            "METHOD_NOT_ALLOWED",
            `${method} is not allowed on /health; allowed: GET.`,
            { allowed: ["GET"] },
          );
        }
        send(res, 200, '{"status":"healthy"}', requestId);
        return;
      }
      const mcp = MCP_ENDPOINT_PATH.exec(path);
      if (mcp) {
        let serverId: string;
        try {
          serverId = decodeURIComponent(mcp[1] as string);
        } catch {
          throw new ApiError(404, "NOT_FOUND", "Malformed percent-encoding in the MCP server id.");
        }
        await (await endpoints()).handleNode(req, res, serverId);
        return;
      }
      if (path !== API_PREFIX && !path.startsWith(`${API_PREFIX}/`)) {
        throw new ApiError(
          404,
          "NOT_FOUND",
          `No route for ${method} ${path.slice(0, 200)}; the API lives under ${API_PREFIX}.`,
        );
      }
      const principal = authenticate(req.headers.authorization);
      if (!principal) {
        throw new ApiError(
          401,
          "UNAUTHORIZED",
          req.headers.authorization
            ? "Invalid API key."
            : "Missing API key: send Authorization: Bearer <key>.",
        );
      }
      const rest = path.slice(API_PREFIX.length + 1);
      const rawSegs = rest === "" ? [] : rest.split("/");
      if (rawSegs.length > 0 && rawSegs[rawSegs.length - 1] === "") rawSegs.pop();
      const segments = rawSegs.map((s) => {
        try {
          return decodeURIComponent(s);
        } catch {
          throw new ApiError(
            404,
            "NOT_FOUND",
            `Malformed percent-encoding in path segment "${s.slice(0, 100)}".`,
          );
        }
      });
      let abort: AbortController | undefined;
      const result = await router.handle({
        method,
        segments,
        query: new URLSearchParams(q === -1 ? "" : rawUrl.slice(q + 1)),
        principal,
        readBody: () => readJson(req),
        // Created on first use (long polls only): aborts when the client goes away first.
        get signal() {
          if (!abort) {
            const controller = new AbortController();
            abort = controller;
            if (res.writableEnded || res.destroyed || req.socket.destroyed) controller.abort();
            else res.once("close", () => controller.abort());
          }
          return abort.signal;
        },
      });
      send(res, result.status, result.body, requestId);
    } catch (err) {
      if (err instanceof ApiError) {
        const extra: Record<string, string> = {};
        if (err.status === 405 && Array.isArray(err.details?.allowed)) {
          extra.allow = (err.details.allowed as string[]).join(", ");
        }
        if (err.status === 401) extra["www-authenticate"] = "Bearer";
        send(res, err.status, errorBody(err), requestId, extra);
        return;
      }
      log.error("local API: unhandled error", {
        requestId,
        method,
        path: rawUrl.split("?")[0]?.slice(0, 200),
        error: err instanceof Error ? err.message : String(err),
      });
      // The stack only at debug level: logs stay one line per event by default.
      if (err instanceof Error && err.stack) log.debug(err.stack);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      send(
        res,
        500,
        JSON.stringify({
          error: `Internal error (request id ${requestId}); see the server log.`,
          code: "INTERNAL_ERROR",
        }),
        requestId,
      );
    }
  };

  const server = createServer({ keepAlive: true }, (req, res) => {
    void handle(req, res);
  });
  server.keepAliveTimeout = 30_000;
  server.headersTimeout = 35_000;
  server.on("clientError", (_err, socket) => {
    if (socket.writable) {
      const body = '{"error":"Malformed HTTP request.","code":"VALIDATION_ERROR"}';
      socket.end(
        `HTTP/1.1 400 Bad Request\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`,
      );
    } else {
      socket.destroy();
    }
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(opts.port ?? 0, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (err) {
    store.close();
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(":") ? `[${host}]` : host;
  origin = `http://${urlHost}:${port}`;
  let closed: Promise<void> | undefined;
  return {
    url: origin,
    port,
    ...(generatedApiKey ? { generatedApiKey } : {}),
    usingStoredKey,
    store,
    changes,
    get mcpEndpoints() {
      return mcpEndpoints;
    },
    close() {
      closed ??= (async () => {
        // MCP sessions and subscriptions end first (they wait on the change feed), then
        // held long polls are answered and let those answers be written; then every
        // connection (keep-alive ones included) is closed, so close() never waits on them.
        await loadingEndpoints?.then((e) => e.close());
        changes.close();
        await new Promise<void>((resolve) => setImmediate(resolve));
        await new Promise<void>((resolve) => {
          server.close(() => {
            store.close();
            resolve();
          });
          server.closeAllConnections();
        });
      })();
      return closed;
    },
  };
}
