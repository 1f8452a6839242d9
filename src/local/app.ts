import type { IncomingMessage, ServerResponse } from "node:http";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import { Hono } from "hono";
import type { Logger } from "../log.js";
import { ApiError, envelope, errorBody } from "./errors.js";
import { actionRoutes } from "./routes/actions.js";
import { catalogRoutes } from "./routes/catalog.js";
import { changeRoutes } from "./routes/changes.js";
import { connectionRoutes } from "./routes/connections.js";
import {
  type AppEnv,
  type Ctx,
  type Deps,
  json,
  type Principal,
  resource,
} from "./routes/context.js";
import { endUserRoutes } from "./routes/end-users.js";
import { historyRoutes } from "./routes/history.js";
import { integrationRoutes } from "./routes/integrations.js";
import { mcpServerRoutes } from "./routes/mcp-servers.js";
import { workspaceRoutes } from "./routes/workspaces.js";

export const API_PREFIX = "/api/v1";
/** Each MCP server's own MCP endpoint: it authenticates with the server's mcp_ token, not the API key. */
const MCP_ENDPOINT_PATH = /^\/api\/v1\/mcp\/servers\/[^/]+\/mcp$/;

/** Serves an MCP server's endpoint on the Node request itself (its body still unread). */
export type McpEndpointHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  serverId: string,
) => Promise<void>;
const ROUTE_LIST =
  "Routes: /api/v1/workspaces, /api/v1/workspaces/{id}/integrations, /api/v1/connections, /api/v1/end-users, /api/v1/integrations, /api/v1/mcp/servers, /api/v1/actions/execute, /api/v1/changes.";

/**
 * Refuses raw path segments that are dot segments (also percent-encoded) or malformed
 * percent-encoding, before the URL is normalised: `/workspaces/%2E%2E/integrations` must be
 * a 404, not the catalog route it would collapse into.
 */
function checkRawPath(rawPath: string): void {
  for (const s of rawPath.split("/")) {
    let d: string;
    try {
      d = decodeURIComponent(s);
    } catch {
      throw new ApiError(
        404,
        "NOT_FOUND",
        `Malformed percent-encoding in path segment "${s.slice(0, 100)}".`,
      );
    }
    if (d === "." || d === "..") {
      throw new ApiError(404, "NOT_FOUND", `"${d}" is not a valid id in ${rawPath.slice(0, 200)}.`);
    }
  }
}

function errorResponse(c: Ctx, err: ApiError): Response {
  const res = json(c, errorBody(err), err.status);
  if (err.status === 405 && Array.isArray(err.details?.allowed)) {
    res.headers.set("allow", (err.details.allowed as string[]).join(", "));
  }
  if (err.status === 401) res.headers.set("www-authenticate", "Bearer");
  const retryAfter = err.details?.retryAfterSeconds;
  if (err.status === 429 && typeof retryAfter === "number") {
    res.headers.set("retry-after", String(retryAfter));
  }
  return res;
}

/** The local API as a Hono app: one module per resource under src/local/routes. */
export function createApp(
  deps: Deps & {
    /** Resolves the key's principal (undefined: refused); may throw an ApiError (429). */
    authenticate: (header: string | undefined) => Promise<Principal | undefined>;
    log: Logger;
    /** The MCP servers' endpoints (absent: those paths answer 404 like any unknown route). */
    mcpEndpoint?: McpEndpointHandler;
  },
): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ strict: false });
  const { log } = deps;

  app.use(async (c, next) => {
    c.set("requestId", crypto.randomUUID());
    const raw = c.env?.incoming?.url ?? new URL(c.req.url).pathname;
    const q = raw.indexOf("?");
    const path = q === -1 ? raw : raw.slice(0, q);
    if (path === "/health") return next();
    if (deps.mcpEndpoint && MCP_ENDPOINT_PATH.test(path)) return next();
    if (path !== API_PREFIX && !path.startsWith(`${API_PREFIX}/`)) {
      throw new ApiError(
        404,
        "NOT_FOUND",
        `No route for ${c.req.method} ${path.slice(0, 200)}; the API lives under ${API_PREFIX}.`,
      );
    }
    const authorization = c.req.header("authorization");
    const principal = await deps.authenticate(authorization);
    if (!principal) {
      throw new ApiError(
        401,
        "UNAUTHORIZED",
        authorization ? "Invalid API key." : "Missing API key: send Authorization: Bearer <key>.",
      );
    }
    checkRawPath(path.slice(API_PREFIX.length));
    c.set("principal", principal);
    return next();
  });

  resource(app, "/health", { GET: (c) => json(c, '{"status":"healthy"}') });
  const serveMcp = deps.mcpEndpoint;
  if (serveMcp) {
    // The host's dual-era endpoint answers on the Node response (streams included).
    app.all(`${API_PREFIX}/mcp/servers/:id/mcp`, async (c) => {
      await serveMcp(c.env.incoming, c.env.outgoing, c.req.param("id"));
      return RESPONSE_ALREADY_SENT;
    });
  }
  workspaceRoutes(app, deps);
  integrationRoutes(app, deps);
  connectionRoutes(app, deps);
  endUserRoutes(app, deps);
  catalogRoutes(app, deps);
  mcpServerRoutes(app, deps);
  changeRoutes(app, deps);
  historyRoutes(app, deps);
  actionRoutes(app, deps);

  app.notFound((c) =>
    errorResponse(
      c,
      new ApiError(
        404,
        "NOT_FOUND",
        `No route for ${c.req.method} ${new URL(c.req.url).pathname.slice(0, 200)}. ${ROUTE_LIST}`,
      ),
    ),
  );

  app.onError((err, c) => {
    if (err instanceof ApiError) return errorResponse(c, err);
    const requestId = c.get("requestId") ?? crypto.randomUUID();
    log.error("local API: unhandled error", {
      requestId,
      method: c.req.method,
      path: new URL(c.req.url).pathname.slice(0, 200),
      error: err instanceof Error ? err.message : String(err),
    });
    // The stack only at debug level: logs stay one line per event by default.
    if (err instanceof Error && err.stack) log.debug(err.stack);
    return json(
      c,
      envelope(`Internal error (request id ${requestId}); see the server log.`, "INTERNAL_ERROR", {
        requestId,
      }),
      500,
    );
  });
  return app;
}
