// Owns the create with reconciliation: a POST never blindly retried, settled by one listing.
import { performance } from "node:perf_hooks";
import type { CreateWorkspaceIntegrationInput, WorkspaceIntegrationList } from "../domain/index.js";
import type { Logger } from "../log.js";
import type { Call } from "./call.js";
import {
  addSentence,
  WeavzAbortError,
  WeavzApiError,
  WeavzConnectionError,
  WeavzCreateNotAppliedError,
  WeavzError,
  WeavzTimeoutError,
} from "./errors.js";
import { createDifferences } from "./reconcile.js";
import { classifyNetworkError, isGatewayStatus } from "./retry.js";
import type { CallOptions, CreateWorkspaceIntegrationResult } from "./types.js";

/** What a create works with: the client's pipeline, its budget and its log. */
export interface CreateContext {
  call: Call;
  timeoutMs: number;
  log: Logger;
}

const now = () => performance.now();

/**
 * POST, never blindly retried (only a 429, which the server rejects before doing work).
 * After an ambiguous failure it lists the workspace's integrations once and looks for the
 * alias: found and matching every field the request set → `{integration, reconciled: true}`;
 * found but different → {@link WeavzCreateNotAppliedError} (what exists, `applied: false`);
 * absent → the original error remade with `createOutcome = "not_created"` and a message that
 * says it is safe to retry; list failed → remade with `createOutcome = "unknown"`.
 */
export async function createWithReconciliation(
  ctx: CreateContext,
  path: string,
  body: CreateWorkspaceIntegrationInput,
  callOpts?: CallOptions,
): Promise<CreateWorkspaceIntegrationResult> {
  const { call, timeoutMs } = ctx;
  const signal = callOpts?.signal;
  const startedAt = now();
  // Keep part of the budget for the reconciliation listing.
  const reserve = Math.min(5_000, Math.floor(timeoutMs / 4));
  try {
    return await call<CreateWorkspaceIntegrationResult>(
      "POST",
      path,
      body,
      signal,
      timeoutMs - reserve,
      callOpts?.change,
    );
  } catch (err) {
    if (!(err instanceof WeavzError)) throw err;
    const settled = await reconcileCreate(ctx, err, path, body, signal, startedAt);
    if (settled instanceof WeavzError) throw settled;
    return settled;
  }
}

/**
 * After a failed create: the error to throw, made once with what was established (never the
 * thrown error changed), or the integration when the alias holds exactly what was asked.
 */
async function reconcileCreate(
  ctx: CreateContext,
  err: WeavzError,
  path: string,
  body: CreateWorkspaceIntegrationInput,
  signal: AbortSignal | undefined,
  startedAt: number,
): Promise<WeavzError | CreateWorkspaceIntegrationResult> {
  const { call, timeoutMs, log } = ctx;
  const kind = createFailureKind(err);
  if (kind === "definite") {
    return err instanceof WeavzApiError && err.status === 429
      ? err.afterCreateCheck({ outcome: "not_created", basis: "refused" })
      : err;
  }
  if (kind === "not_sent") {
    return err.afterCreateCheck(
      { outcome: "not_created", basis: "not_sent" },
      "The request never reached the server, so the integration was NOT created; it is safe to retry.",
    );
  }
  if (kind === "cancelled") {
    return err.afterCreateCheck(
      { outcome: "unknown", basis: "cancelled" },
      "The integration may or may not have been created; list the workspace's integrations before retrying.",
    );
  }
  const alias = body.alias ?? body.integrationName;
  let list: WorkspaceIntegrationList;
  try {
    // Whole milliseconds: the budget is named in the error a user reads.
    const left = Math.max(1, Math.floor(timeoutMs - (now() - startedAt)));
    list = await call<WorkspaceIntegrationList>("GET", path, undefined, signal, left);
  } catch (listErr) {
    return err.afterCreateCheck(
      { outcome: "unknown", basis: "list_failed" },
      `Whether the integration was created is unknown: listing the workspace's integrations to check failed (${
        listErr instanceof Error ? listErr.message : String(listErr)
      }); list them before retrying.`,
    );
  }
  const found = Array.isArray(list?.integrations)
    ? list.integrations.find((i) => i.alias === alias)
    : undefined;
  if (!found) {
    return err.afterCreateCheck(
      { outcome: "not_created", basis: "absent" },
      `The integration was NOT created (alias "${alias}" is not in the workspace's integrations); it is safe to retry.`,
    );
  }
  const differences = createDifferences(body, found);
  if (differences.length === 0) {
    log.info("create reconciled: found after an ambiguous failure", {
      method: "POST",
      path,
      alias,
      id: found.id,
      error: err.message,
    });
    return { integration: found, reconciled: true };
  }
  // Same alias, different content: someone else's integration (or ours was refused).
  // Reporting it as created would be a lie, so the facts travel to the wording layer.
  log.info("create not applied: alias holds a different integration", {
    method: "POST",
    path,
    alias,
    id: found.id,
    fields: differences.map((d) => d.field),
    error: err.message,
  });
  return new WeavzCreateNotAppliedError(
    addSentence(
      err.message,
      `The integration was NOT created: alias "${alias}" belongs to an existing ${found.integrationName} integration (id ${found.id}) that differs in ${differences
        .map((d) => d.field)
        .join(", ")}.`,
    ),
    alias,
    found,
    differences,
    err,
  );
}

/** How a failed create ended, for reconciliation. */
function createFailureKind(err: WeavzError): "definite" | "not_sent" | "ambiguous" | "cancelled" {
  if (err instanceof WeavzApiError) return isGatewayStatus(err.status) ? "ambiguous" : "definite";
  if (err instanceof WeavzTimeoutError) return "ambiguous";
  if (err instanceof WeavzAbortError) return "cancelled";
  if (err instanceof WeavzConnectionError) {
    return classifyNetworkError(err.causeCode) === "not_sent" ? "not_sent" : "ambiguous";
  }
  return "ambiguous";
}
