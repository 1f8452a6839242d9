import { WeavzApiError } from "../../api/errors.js";
import { AliasSchema, IdSchema } from "../../domain/common.js";
import type { WorkspaceIntegrationListItem } from "../../domain/integration.js";
import { didYouMean } from "../suggest.js";
import { type ResultLink, type ToolContext, ToolInputError } from "../tool.js";
import { integrationsUri, mcpToolsUri } from "../uris.js";

/** Selector arguments of update and delete: one of id or alias. */
export const SelectorArgs = {
  id: IdSchema.optional().describe("Integration id (or give alias)."),
  alias: AliasSchema.optional().describe("Its current alias (or give id)."),
};

/** Finds a workspace integration by alias, or undefined. */
export async function findByAlias(
  ctx: ToolContext,
  workspaceId: string,
  alias: string,
): Promise<WorkspaceIntegrationListItem | undefined> {
  const { integrations } = await ctx.api.listWorkspaceIntegrations(workspaceId, {
    signal: ctx.signal,
  });
  return integrations.find((i) => i.alias === alias);
}

/**
 * Resolves `id`/`alias` to an id, with a clear error when neither or a wrong one is given.
 * An alias is looked up in the workspace's list; then `item` is that list entry, so a caller
 * needing it does not read the list again.
 */
export async function resolveSelector(
  ctx: ToolContext,
  workspaceId: string,
  sel: { id?: string | undefined; alias?: string | undefined },
): Promise<{ id: string; alias?: string; item?: WorkspaceIntegrationListItem }> {
  if (!sel.id && !sel.alias) {
    throw new ToolInputError(
      "Give the integration to change: id or alias.",
      "call list_workspace_integrations to see ids and aliases, then pass one of them.",
    );
  }
  if (!sel.alias) return { id: sel.id as string };
  const { integrations } = await ctx.api.listWorkspaceIntegrations(workspaceId, {
    signal: ctx.signal,
  });
  const found = integrations.find((i) => i.alias === sel.alias);
  if (!found) {
    const dym = didYouMean(
      sel.alias,
      integrations.map((i) => i.alias),
    );
    throw new ToolInputError(
      `No workspace integration with alias "${sel.alias}" in workspace ${workspaceId}${dym ? `; ${dym}` : ` (it has ${integrations.length} integration(s)).`}`,
      `${dym ? "use the alias suggested above, or " : ""}call list_workspace_integrations to see the aliases that exist (its query argument filters them).`,
      "NOT_FOUND",
    );
  }
  if (sel.id && sel.id !== found.id) {
    throw new ToolInputError(
      `id ${sel.id} and alias "${sel.alias}" name different integrations (that alias has id ${found.id}).`,
      "pass only one of id or alias.",
    );
  }
  return { id: found.id, alias: found.alias, item: found };
}

/** Adds the integration that already holds the alias to a DUPLICATE error, when the API left it out. */
export async function withExistingOnDuplicate(
  err: unknown,
  ctx: ToolContext,
  workspaceId: string,
  alias: string,
): Promise<unknown> {
  if (!(err instanceof WeavzApiError) || err.code !== "DUPLICATE" || err.details?.existing)
    return err;
  try {
    const existing = await findByAlias(ctx, workspaceId, alias);
    if (!existing) return err;
    return err.with({ details: { ...err.details, existing } });
  } catch {
    return err;
  }
}

/** Links to the resources a change to a workspace's integrations affects. */
export function changeLinks(workspaceId: string): ResultLink[] {
  return [
    {
      uri: integrationsUri(workspaceId),
      name: "workspace integrations",
      description: "The workspace's integrations after this change.",
    },
    {
      uri: mcpToolsUri(workspaceId),
      name: "MCP server tools",
      description: "Tools the workspace's MCP servers now expose.",
    },
  ];
}

/** A step of an apply or undo, as its summary lists it: "n. action alias". */
export const stepLine = (s: { n: number; action: string; alias: string }): string =>
  `${s.n}. ${s.action} ${s.alias}`;

/** The onProgress of an apply or undo: each step reported to the client as it starts. */
export function stepProgress(ctx: ToolContext) {
  return (done: number, total: number, step: { n: number; action: string; alias: string }) =>
    ctx.progress?.(
      done,
      total,
      done < total ? `step ${step.n}/${total}: ${step.action} ${step.alias}` : "done",
    );
}

/** Next steps of the tools that select an integration by id or alias. */
export const SELECTOR_HINTS: Partial<Record<string, string>> = {
  NOT_FOUND:
    "check the id: call list_workspace_integrations to see the ids and aliases that exist (or list_workspaces for the workspaceId).",
};
