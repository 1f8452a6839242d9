import { createHash } from "node:crypto";
import {
  type ExecuteRequest,
  ExecuteRequestSchema,
  type ExecuteResult,
  type ParsedExecuteRequest,
} from "../../domain/index.js";
import { loadCatalog } from "../catalog.js";
import { ApiError, validationError } from "../errors.js";
import type { Store } from "../store/index.js";
import { parseWith } from "../validation.js";
import { advancedCode, code } from "./builtins/code.js";
import { dataTransformer } from "./builtins/data-transformer.js";
import { hashEncode } from "./builtins/hash-encode.js";
import { http } from "./builtins/http.js";
import { kvStore } from "./builtins/kv-store.js";
import { storage } from "./builtins/storage.js";
import { checkActionInput } from "./input.js";
import { connectionFacts, persistenceScope, type Resolved, resolveExecution } from "./resolve.js";
import type { BuiltIn, RunContext } from "./types.js";

/** Built-ins that really run offline, by integration name. */
export const LOCAL_BUILT_INS: Readonly<Record<string, BuiltIn>> = {
  "kv-store": kvStore,
  storage,
  code,
  "advanced-code": advancedCode,
  http,
  "data-transformer": dataTransformer,
  "hash-encode": hashEncode,
};

/** How long an idempotency key's first result is kept. */
const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/** 501 INTEGRATION_UNAVAILABLE: resolved and valid, but only the hosted API can run it. */
function unavailable(r: Resolved): ApiError {
  const conn = r.connection;
  return new ApiError(
    501,
    "INTEGRATION_UNAVAILABLE",
    `${r.integration.displayName} actions run only on the hosted Weavz API; offline, "${r.action.name}" was resolved and its input checked, and would have used ${
      conn
        ? `connection ${conn.id} ("${conn.displayName}", ${r.connectionSource})`
        : "no connection"
    } through workspace integration "${r.record.alias}".`,
    {
      integrationName: r.integration.name,
      actionName: r.action.name,
      workspaceIntegrationId: r.record.id,
      alias: r.record.alias,
      connectionStrategy: r.record.connectionStrategy,
      connection: connectionFacts(conn),
      connectionSource: r.connectionSource,
      reason: "hosted_only",
    },
  );
}

/** A stable hash of what the request asks for, so a reused key with other content is refused. */
function fingerprint(req: ParsedExecuteRequest): string {
  const { idempotencyKey: _k, ...rest } = req;
  return createHash("sha256").update(JSON.stringify(rest)).digest("hex");
}

function storedResult(store: Store, req: ParsedExecuteRequest): ExecuteResult | undefined {
  if (req.idempotencyKey === undefined) return undefined;
  const row = store.executions.get(req.workspaceId, req.idempotencyKey);
  if (!row || Date.parse(row.createdAt) < Date.now() - IDEMPOTENCY_TTL_MS) return undefined;
  if (row.fingerprint !== fingerprint(req)) {
    throw validationError([
      {
        field: "idempotencyKey",
        message: "was already used for a different request in this workspace; use a new key",
      },
    ]);
  }
  return JSON.parse(row.result) as ExecuteResult;
}

function saveResult(store: Store, req: ParsedExecuteRequest, result: ExecuteResult): void {
  if (req.idempotencyKey === undefined) return;
  const now = new Date();
  store.executions.save(
    {
      workspaceId: req.workspaceId,
      idempotencyKey: req.idempotencyKey,
      fingerprint: fingerprint(req),
      result: JSON.stringify(result),
      createdAt: now.toISOString(),
    },
    new Date(now.getTime() - IDEMPOTENCY_TTL_MS).toISOString(),
  );
}

// Same-key requests in flight in this process wait for the first one instead of running twice.
const inFlight = new Map<string, Promise<ExecuteResult>>();

async function run(
  store: Store,
  req: ParsedExecuteRequest,
  signal?: AbortSignal,
): Promise<ExecuteResult> {
  const resolved = resolveExecution(store, loadCatalog(), req);
  checkActionInput(resolved.action, req.input);
  const builtIn = LOCAL_BUILT_INS[resolved.integration.name];
  const runner = builtIn?.[resolved.action.name];
  if (!runner) throw unavailable(resolved);
  let scope: string | undefined;
  const ctx: RunContext = {
    store,
    resolved,
    input: req.input,
    endUserId: req.endUserId,
    signal,
    scope: () => {
      scope ??= persistenceScope(resolved, req.endUserId);
      return scope;
    },
  };
  // An end_user-scoped built-in without endUserId fails before running anything.
  if (resolved.integration.settingsBlocks?.includes("persistence")) ctx.scope();
  const started = performance.now();
  const output = await runner(ctx);
  const result: ExecuteResult = {
    success: true,
    output: output === undefined ? null : output,
    duration: Math.round((performance.now() - started) * 100) / 100,
  };
  saveResult(store, req, result);
  return result;
}

/**
 * Runs one action exactly as `POST /api/v1/actions/execute` does: validates the request,
 * resolves workspace integration and connection, checks the input against the catalog, runs
 * the built-in (or answers INTEGRATION_UNAVAILABLE), and replays the first result of an
 * idempotencyKey. Failures throw ApiError (code + details). The caller checks key scope.
 */
export async function executeAction(
  store: Store,
  /** Any body: it is validated here, as the route's would be. */
  req: ExecuteRequest | Record<string, unknown>,
  opts: { signal?: AbortSignal } = {},
): Promise<ExecuteResult> {
  const parsed = parseWith(ExecuteRequestSchema, req, {
    allowed: Object.keys(ExecuteRequestSchema.shape),
  });
  const replay = storedResult(store, parsed);
  if (replay) return replay;
  if (parsed.idempotencyKey === undefined) return run(store, parsed, opts.signal);
  const slot = `${parsed.workspaceId}\n${parsed.idempotencyKey}`;
  const pending = inFlight.get(slot);
  if (pending) {
    await pending.catch(() => undefined);
    return executeAction(store, req, opts);
  }
  const p = run(store, parsed, opts.signal);
  inFlight.set(slot, p);
  try {
    return await p;
  } finally {
    inFlight.delete(slot);
  }
}
