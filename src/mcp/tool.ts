import type { z } from "zod";
import type { WeavzApi } from "../api/types.js";
import type { Actor, ChangeJournal } from "../domain/journal.js";
import type { Logger } from "../log.js";
import type { ToolsetName } from "../toolsets.js";
import type { ClientCapabilityName } from "./client-capabilities.js";
import type { ConfirmSpec } from "./confirm.js";
import type { NextStepCode } from "./results/next-steps.js";

/** What every tool handler may use. Tools never see HTTP, URLs or tokens. */
export interface ToolContext {
  api: WeavzApi;
  /** WEAVZ_WORKSPACE_ID, when set. */
  defaultWorkspaceId: string | undefined;
  /** Aborted when the MCP client cancels the call. */
  signal: AbortSignal;
  log: Logger;
  /** Tells resource subscribers that a workspace's integrations changed. */
  changed(workspaceId: string): void;
  /**
   * The change journal as this caller may read it (same workspace limit as `api`); its kind
   * says whether it holds every change (the local API) or only this server's (hosted mode).
   */
  journal: ChangeJournal;
  /** Who this call acts as: recorded on every write it makes (api is attributed already). */
  actor: Actor;
  /** Reports progress to the client; present only when the call carried a progressToken. */
  progress?: ((progress: number, total: number, message: string) => Promise<void>) | undefined;
}

/** A resource link attached to a result: where to read what the call touched. */
export interface ResultLink {
  uri: string;
  name: string;
  description?: string;
}

/** A handler's successful outcome: structured data matching the output schema. */
export interface ToolOutcome<O> {
  data: O;
  /** One line for humans and older clients, shown before the JSON. */
  summary: string;
  links?: ResultLink[];
  /** JSON.stringify(data), when the handler already has it (paged lists build it cheaply). */
  json?: string;
}

/** MCP tool annotations; every tool sets all four. */
export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

/** The next step when a workspace named in a call does not exist (or is out of reach). */
export const WORKSPACE_NOT_FOUND_STEP =
  "check the workspaceId: call list_workspaces to see the workspaces this key can reach.";

/** Hints of a tool that takes a workspaceId: a NOT_FOUND is the workspace's. */
export const WORKSPACE_HINTS = Object.freeze({ NOT_FOUND: WORKSPACE_NOT_FOUND_STEP });

/** Annotations of a tool that only reads. */
export const READ_ONLY: ToolAnnotations = Object.freeze({
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
});

/**
 * Annotations of a tool that deletes or overwrites workspace state (the user confirms first):
 * repeating the same call changes nothing more, and it touches only Weavz.
 */
export const DESTRUCTIVE: ToolAnnotations = Object.freeze({
  readOnlyHint: false,
  destructiveHint: true,
  idempotentHint: true,
  openWorldHint: false,
});

/** A tool as data: the registry drives registration, docs and snapshots from these. */
export interface ToolDef<I extends z.ZodObject = z.ZodObject, O extends z.ZodObject = z.ZodObject> {
  name: string;
  title: string;
  /** The toolset that switches this tool on (--toolsets). */
  toolset: ToolsetName;
  description: string;
  input: I;
  output: O;
  annotations: ToolAnnotations;
  /**
   * Next step per error code when this tool fails, e.g. get_mcp_server's NOT_FOUND points
   * at list_mcp_servers; codes not listed fall back to the shared wording in results/next-steps.ts.
   */
  hints?: Partial<Record<NextStepCode, string>>;
  /**
   * Set on destructive tools: the user confirms the change (elicitation, or a preview and
   * token) before the handler runs; see confirm.ts. The input must carry `confirm: ConfirmArg`.
   */
  confirm?: ConfirmSpec<z.infer<I>>;
  /**
   * Client capabilities the handler relies on (e.g. sampling). The server refuses the call
   * with the spec's -32021 error, before arguments or handler, when the client did not
   * declare them (per request in 2026-07-28, at initialize in 2025-11-25).
   */
  needsClientCapabilities?: readonly ClientCapabilityName[];
  handler(args: z.infer<I>, ctx: ToolContext): Promise<ToolOutcome<z.infer<O>>>;
}

/** Identity helper that keeps a tool's input and output types tied together. */
export function defineTool<I extends z.ZodObject, O extends z.ZodObject>(
  def: ToolDef<I, O>,
): ToolDef<I, O> {
  return def;
}

/** A mistake in a tool's arguments found by the tool itself (beyond the schema). */
export class ToolInputError extends Error {
  override name = "ToolInputError";
  constructor(
    message: string,
    readonly nextStep: string,
    /** The code shown to the model, like the API's (NOT_FOUND, NO_UPDATES, …). */
    readonly code = "INVALID_ARGUMENTS",
  ) {
    super(message);
  }
}
