import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { getRequestListener } from "@hono/node-server";
import { type Logger, silentLogger } from "../log.js";
import {
  ensureApiKey,
  type InMemoryKey,
  makeAuthenticator,
  storeGeneratedKey,
} from "./api-keys.js";
import { createApp } from "./app.js";
import { loadCatalog } from "./catalog.js";
import { ChangeFeed } from "./changes.js";
import { seedDemo } from "./demo.js";
import { envelope } from "./errors.js";
import type { HttpAllowEntry } from "./execute/http-allow.js";
import { setHttpAllowList } from "./execute/http-allow.js";
import { KeyChecker } from "./key-check.js";
import type { KdfCost } from "./key-hash.js";
import type { McpEndpoints } from "./mcp-endpoint/index.js";
import { Store } from "./store/index.js";
import { generateToken } from "./tokens.js";

export { MAX_BODY_BYTES } from "./body.js";

export interface LocalApiOptions {
  host?: string;
  port?: number;
  dbPath: string;
  /** A key to accept; stored (salted scrypt) if not stored yet. */
  apiKey?: string;
  /** Seed demo data into a brand-new database (default true). */
  demo?: boolean;
  /**
   * Generate a key when the database has none and apiKey is absent. Default: true, unless
   * extraKeys are given (the embedded MCP mode brings its own in-memory key).
   */
  generateKey?: boolean;
  log?: Logger;
  /** Keys accepted in memory only (never stored). */
  extraKeys?: InMemoryKey[];
  /**
   * scrypt cost of stored keys and tokens. Default: KDF_COST (production, ~0.1 s a hash).
   * For tests only, which lower it to stay fast; the CLI never sets it, so no flag or env
   * var can weaken a real database.
   */
  kdfCost?: KdfCost;
  /** Browser origins the MCP endpoints accept besides loopback ones (--allowed-origins). */
  allowedOrigins?: readonly string[];
  /** Change journal entries kept per workspace (default 10,000). */
  historyLimit?: number;
  /** Private destinations the http built-in may reach anyway (--http-allow); per process. */
  httpAllow?: readonly HttpAllowEntry[];
}

export interface LocalApi {
  /** e.g. http://127.0.0.1:54321 (no /api/v1). */
  url: string;
  port: number;
  /** Set only when this start generated a key (shown once, stored as a salted hash). */
  generatedApiKey?: string;
  /** True when the database already held keys and no apiKey was given. */
  usingStoredKey: boolean;
  store: Store;
  /** The long-poll behind GET /api/v1/changes (introspection: polling, waiting, pollTicks). */
  changes: ChangeFeed;
  /** Verifies keys and tokens, with its caches (introspection: kdfRuns). */
  keyChecker: KeyChecker;
  /** The MCP servers' endpoints, once the first MCP request loaded them (introspection). */
  readonly mcpEndpoints: McpEndpoints | undefined;
  close(): Promise<void>;
}

/** A new API key: `wvz_` + 32 random base62 characters. */
export function generateApiKey(): string {
  return generateToken("wvz_");
}

/** Starts the local Weavz-compatible API on host:port (port 0 picks a free one). */
export async function startLocalApi(opts: LocalApiOptions): Promise<LocalApi> {
  const log = opts.log ?? silentLogger;
  const host = opts.host ?? "127.0.0.1";
  setHttpAllowList(opts.httpAllow ?? []);
  const store = new Store(opts.dbPath, {
    onCreate: opts.demo === false ? undefined : (s) => seedDemo(s),
    ...(opts.historyLimit !== undefined ? { historyLimit: opts.historyLimit } : {}),
  });

  // Keys: only salted scrypt hashes are stored (key-hash.ts); the generated key is returned once.
  const keyChecker = new KeyChecker({ cost: opts.kdfCost });
  let generatedApiKey: string | undefined;
  let usingStoredKey = false;
  try {
    // Write only when something changes, so a restart leaves the change marker alone.
    if (opts.apiKey !== undefined) {
      await ensureApiKey(store, keyChecker, opts.apiKey);
    } else if (store.apiKeys.count() > 0) {
      usingStoredKey = true;
    } else if (opts.generateKey ?? !opts.extraKeys?.length) {
      const candidate = generateApiKey();
      if (await storeGeneratedKey(store, keyChecker, candidate)) generatedApiKey = candidate;
      else usingStoredKey = true;
    }
  } catch (err) {
    store.close();
    throw err;
  }

  const changes = new ChangeFeed(store);
  let origin = "";
  // Loaded on the first MCP request: the SDK is a large module graph that plain REST use
  // (and the embedded local API's cold start) should not pay for.
  let mcpEndpoints: McpEndpoints | undefined;
  let loadingEndpoints: Promise<McpEndpoints> | undefined;
  const endpoints = () =>
    (loadingEndpoints ??= import("./mcp-endpoint/index.js").then((m) => {
      mcpEndpoints = new m.McpEndpoints({
        store,
        catalog: loadCatalog,
        changes,
        log,
        keys: keyChecker,
        ...(opts.allowedOrigins ? { allowedOrigins: opts.allowedOrigins } : {}),
      });
      return mcpEndpoints;
    }));
  const app = createApp({
    store,
    catalog: loadCatalog,
    changes,
    origin: () => origin,
    keys: keyChecker,
    authenticate: makeAuthenticator(store, keyChecker, opts.extraKeys ?? []),
    log,
    mcpEndpoint: async (req, res, serverId) => (await endpoints()).handle(req, res, serverId),
  });
  // Bodies are read by our own reader (413 without buffering); the adapter must not drain them.
  const listener = getRequestListener(app.fetch, { autoCleanupIncoming: false });

  // The response being written on each socket. Node parses ahead of the handler: bytes that
  // follow a request without framing (a DELETE body with no Content-Length) raise clientError
  // while that request is still being answered, and answering the error at once would drop
  // the reply of a change already applied.
  const answering = new WeakMap<Socket, ServerResponse>();
  const server = createServer({ keepAlive: true }, (req, res) => {
    answering.set(req.socket, res);
    const done = () => {
      if (answering.get(req.socket) === res) answering.delete(req.socket);
    };
    res.once("finish", done);
    res.once("close", done);
    void listener(req, res);
  });
  server.keepAliveTimeout = 30_000;
  server.headersTimeout = 35_000;
  server.on("clientError", (err: NodeJS.ErrnoException, socket: Socket) => {
    const refuse = () => {
      if (!socket.writable || err.code === "ECONNRESET") {
        socket.destroy();
        return;
      }
      const body = envelope("Malformed HTTP request.", "VALIDATION_ERROR");
      socket.end(
        `HTTP/1.1 400 Bad Request\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
    };
    const pending = answering.get(socket);
    if (pending && !pending.writableFinished) {
      // Let the request in progress finish its reply first; then refuse the rest and close.
      let once = false;
      const after = () => {
        if (once) return;
        once = true;
        refuse();
      };
      pending.once("finish", after);
      pending.once("close", after);
      return;
    }
    refuse();
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
    keyChecker,
    get mcpEndpoints() {
      return mcpEndpoints;
    },
    close() {
      closed ??= (async () => {
        // MCP sessions and subscriptions end first (they wait on the change feed); then held
        // long polls are answered and those answers written; then every connection
        // (keep-alive ones included) is closed, so close() never waits on them.
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
