import { z } from "zod";
import { IdSchema } from "../domain/common.js";
import { ToolInputError } from "./tool.js";

/** `workspaceId` argument shared by workspace-scoped tools. */
export const WorkspaceIdArg = IdSchema.optional().describe(
  "Workspace id; defaults to WEAVZ_WORKSPACE_ID.",
);

/** Resolves the workspace a call targets, or explains how to supply one. */
export function resolveWorkspaceId(
  given: string | undefined,
  fallback: string | undefined,
): string {
  const id = given ?? fallback;
  if (!id) {
    throw new ToolInputError(
      "workspaceId is required: this server has no default workspace.",
      "Pass workspaceId (call list_workspaces to find it), or start the server with WEAVZ_WORKSPACE_ID set.",
      "WORKSPACE_REQUIRED",
    );
  }
  return id;
}

export const PageArgs = {
  limit: z.number().int().min(1).max(100).optional().describe("Default 50."),
  offset: z.number().int().min(0).optional(),
};
