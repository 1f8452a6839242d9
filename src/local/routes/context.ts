import type { HttpBindings } from "@hono/node-server";
import type { Context, Hono } from "hono";
import type { z } from "zod";
import { readJson } from "../body.js";
import type { Catalog } from "../catalog.js";
import type { ChangeFeed } from "../changes.js";
import { ApiError, notFound, validationError } from "../errors.js";
import { type Store, sqliteCode } from "../store/index.js";
import { type FieldHints, parseWith } from "../validation.js";

/** Who is calling: a scoped key only reaches its workspaces. */
export interface Principal {
  scope?: ReadonlySet<string>;
  /** The key as the change journal names it (api-keys.ts keyLabel). */
  keyLabel?: string;
}

/** Hono environment of the local API: the node request/response, and what middleware found. */
export type AppEnv = {
  Bindings: HttpBindings;
  Variables: { principal: Principal; requestId: string };
};
export type Ctx = Context<AppEnv>;
export type App = Hono<AppEnv>;

/** What every resource module is built over. */
export interface Deps {
  store: Store;
  catalog: () => Catalog;
  /** The long-poll behind GET /changes (absent: that route answers at once). */
  changes?: ChangeFeed;
  /** Origin of this server, e.g. http://127.0.0.1:8080, for informational URLs. */
  origin: () => string;
  /** Makes the stored form of a new secret (the key checker, at its KDF cost). */
  keys: SecretHasher;
}

/** Hashes new secrets for storage (KeyChecker.hash / hashSync). */
export interface SecretHasher {
  hash(secret: string): Promise<string>;
  hashSync(secret: string): string;
}

type Handler = (c: Ctx) => Response | Promise<Response>;
type Method = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

/**
 * Registers the handlers of one path, plus a catch-all that answers 405 with the allowed
 * methods (Hono alone would answer 404 for a known path with a wrong method).
 */
export function resource(app: App, path: string, methods: Partial<Record<Method, Handler>>): void {
  const allowed = Object.keys(methods);
  for (const [method, handler] of Object.entries(methods)) {
    app.on(method, path, handler as Handler);
  }
  app.all(path, (c) => {
    throw new ApiError(
      405,
      "METHOD_NOT_ALLOWED",
      `${c.req.method} is not allowed on ${new URL(c.req.url).pathname}; allowed: ${allowed.join(", ")}.`,
      { allowed },
    );
  });
}

/** A JSON response (string body, or cached UTF-8 bytes) with the request id. */
export function json(c: Ctx, body: string | Buffer, status = 200): Response {
  return new Response(body, {
    status,
    headers: {
      "content-type": "application/json; charset=utf-8",
      "x-request-id": c.get("requestId"),
    },
  });
}

/** JSON-encodes body into a response. */
export function ok(c: Ctx, body: unknown, status = 200): Response {
  return json(c, JSON.stringify(body), status);
}

/** The field names of a zod object schema (for "allowed fields" messages). */
export function keysOf(schema: z.ZodObject): string[] {
  return Object.keys(schema.shape);
}

/** The query string as a plain object (last value wins, like before). */
export function query(c: Ctx): Record<string, string> {
  return Object.fromEntries(searchParams(c));
}

/** The raw query parameters of the request. */
export function searchParams(c: Ctx): URLSearchParams {
  const url = c.req.url;
  const q = url.indexOf("?");
  return new URLSearchParams(q === -1 ? "" : url.slice(q + 1));
}

/** A named path parameter (decoded once by Hono; dot segments were refused before routing). */
export function param(c: Ctx, name: string): string {
  return c.req.param(name) ?? "";
}

/** The JSON body (shared reader: 1 MiB limit, INVALID_JSON). */
export function readBody(c: Ctx): Promise<unknown> {
  return readJson(c.env.incoming);
}

/** Aborts when the client goes away before the answer (long polls listen to it). */
export function clientGone(c: Ctx): AbortSignal {
  const controller = new AbortController();
  const res = c.env.outgoing;
  if (res.writableEnded || res.destroyed || c.env.incoming.socket.destroyed) controller.abort();
  else res.once("close", () => controller.abort());
  return controller.signal;
}

/** The body as a JSON object, else 400 VALIDATION_ERROR naming "(body)". */
export function requireObject(body: unknown): Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw validationError(
      [
        {
          field: "(body)",
          message: `must be a JSON object (got ${body === undefined ? "an empty body" : Array.isArray(body) ? "an array" : body === null ? "null" : typeof body})`,
        },
      ],
      "The request body must be a JSON object.",
    );
  }
  return body as Record<string, unknown>;
}

/**
 * A PATCH body: a JSON object with at least one field (else 400 NO_UPDATES listing `allowed`),
 * parsed by `schema` (unknown fields are named with the allowed ones and their hints).
 */
export async function readPatch<S extends z.ZodType>(
  c: Ctx,
  schema: S,
  allowed: readonly string[],
  hints?: FieldHints,
): Promise<z.infer<S>> {
  const body = requireObject(await readBody(c));
  if (Object.keys(body).length === 0) {
    throw new ApiError(
      400,
      "NO_UPDATES",
      `No fields to update; send at least one of: ${allowed.join(", ")}.`,
      { allowed },
    );
  }
  return parseWith(schema, body, { allowed, ...(hints ? { hints } : {}) });
}

/** True for a SQLite uniqueness violation. */
export function isUnique(err: unknown): boolean {
  const code = sqliteCode(err);
  return code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY";
}

/** 403 SCOPE_DENIED when the caller's key does not reach workspaceId. */
export function checkScope(c: Ctx, workspaceId: string): void {
  const scope = c.get("principal").scope;
  if (scope && !scope.has(workspaceId)) {
    throw new ApiError(
      403,
      "SCOPE_DENIED",
      `This API key is limited to workspace(s) ${[...scope].join(", ")}; workspace ${workspaceId} is outside its scope.`,
    );
  }
}

/** The workspace, after the scope check; 404 when it does not exist. */
export function requireWorkspace(c: Ctx, deps: Deps, workspaceId: string) {
  checkScope(c, workspaceId);
  const ws = deps.store.workspaces.get(workspaceId);
  if (!ws) {
    throw notFound(
      `Workspace ${workspaceId} not found; list workspaces with GET /api/v1/workspaces.`,
    );
  }
  return ws;
}

/** The caller's workspace scope as a list, or undefined for an unscoped key. */
export function scopeList(c: Ctx): string[] | undefined {
  const scope = c.get("principal").scope;
  return scope ? [...scope] : undefined;
}

/**
 * The store filter of a list that may be narrowed to one workspace: that workspace (checked to
 * exist and be in scope) and the key's workspace scope, each only when present.
 */
export function workspaceFilter(
  c: Ctx,
  deps: Deps,
  workspaceId: string | undefined,
): { workspaceId?: string; scope?: string[] } {
  const filter: { workspaceId?: string; scope?: string[] } = {};
  if (workspaceId) {
    requireWorkspace(c, deps, workspaceId);
    filter.workspaceId = workspaceId;
  }
  const scope = scopeList(c);
  if (scope) filter.scope = scope;
  return filter;
}
