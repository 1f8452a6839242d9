import { z } from "zod";
import { IdSchema, TimestampSchema } from "./common.js";

/** TOOLS: one MCP tool per enabled action; CODE: three meta tools driving `weavz.<alias>.<action>()`. */
export const MCP_SERVER_MODES = ["TOOLS", "CODE"] as const;
export const McpServerModeSchema = z.enum(MCP_SERVER_MODES);
export type McpServerMode = z.infer<typeof McpServerModeSchema>;

/** How MCP clients authenticate to the server; the bearer modes carry a static `mcp_…` token. */
export const MCP_AUTH_MODES = ["oauth", "bearer", "oauth_and_bearer"] as const;
export const McpAuthModeSchema = z.enum(MCP_AUTH_MODES);
export type McpAuthMode = z.infer<typeof McpAuthModeSchema>;

/** Whether an auth mode uses a static bearer token. */
export function authModeUsesBearer(mode: McpAuthMode): boolean {
  return mode === "bearer" || mode === "oauth_and_bearer";
}

/** The meta tools of a CODE-mode server, in order. */
export const CODE_MODE_TOOL_NAMES = ["weavz_search", "weavz_read_api", "weavz_execute"] as const;

/** The MCP tool name of one action of a workspace integration: `{alias}__{action}`. */
export function mcpToolName(alias: string, actionName: string): string {
  return `${alias}__${actionName}`;
}

const NameSchema = z.string().min(1).max(200);
const DescriptionSchema = z.string().max(2000);

export const CreateMcpServerSchema = z.strictObject({
  name: NameSchema.describe("MCP server name."),
  workspaceId: IdSchema.describe("Workspace whose integrations the server exposes."),
  description: DescriptionSchema.nullable().optional().describe("Optional description."),
  mode: McpServerModeSchema.default("TOOLS").describe(
    "TOOLS: one tool per enabled action ({alias}__{action}); CODE: weavz_search, weavz_read_api, weavz_execute.",
  ),
  authMode: McpAuthModeSchema.default("oauth").describe(
    "oauth (default), bearer or oauth_and_bearer; the bearer modes issue a static mcp_ token, shown once.",
  ),
});
export type CreateMcpServer = z.infer<typeof CreateMcpServerSchema>;
export type CreateMcpServerInput = z.input<typeof CreateMcpServerSchema>;

export const UpdateMcpServerSchema = z.strictObject({
  name: NameSchema.optional().describe("New name."),
  description: DescriptionSchema.nullable()
    .optional()
    .describe("New description, or null to clear."),
  mode: McpServerModeSchema.optional().describe("New mode."),
  authMode: McpAuthModeSchema.optional().describe(
    "New auth mode; switching to a bearer mode issues a token, switching to oauth deletes it.",
  ),
  regenerateBearerToken: z
    .literal(true)
    .optional()
    .describe("Replace the static bearer token (only when authMode uses bearer)."),
});
export type UpdateMcpServer = z.infer<typeof UpdateMcpServerSchema>;
export type UpdateMcpServerInput = z.input<typeof UpdateMcpServerSchema>;

export const McpServerSchema = z.looseObject({
  id: z.string(),
  orgId: z.string(),
  workspaceId: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  mode: McpServerModeSchema,
  authMode: McpAuthModeSchema,
  hasBearerToken: z.boolean(),
  /** Where MCP clients connect (Streamable HTTP); the local API sends it with every server. */
  mcpEndpoint: z.string().optional(),
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema,
});
export type McpServer = z.infer<typeof McpServerSchema>;

export const MCP_TOOL_TYPES = ["ACTION", "CODE"] as const;

/** A tool of an MCP server, derived from the workspace's integrations (never stored). */
export const McpServerToolSchema = z.looseObject({
  id: z.string(),
  mcpServerId: z.string(),
  name: z.string(),
  integrationName: z.string().nullable(),
  integrationAlias: z.string().nullable(),
  actionName: z.string().nullable(),
  toolType: z.enum(MCP_TOOL_TYPES),
  sourceWorkspaceIntegrationId: z.string().nullable(),
  sortOrder: z.number(),
});
export type McpServerTool = z.infer<typeof McpServerToolSchema>;

export const McpServerListSchema = z.looseObject({
  servers: z.array(McpServerSchema),
  total: z.number(),
});
export type McpServerList = z.infer<typeof McpServerListSchema>;

export const GetMcpServerResultSchema = z.looseObject({
  server: McpServerSchema,
  tools: z.array(McpServerToolSchema),
});
export type GetMcpServerResult = z.infer<typeof GetMcpServerResultSchema>;

/** `GET /api/v1/changes` (a local API extension): the database's change counter. */
export const ChangesResultSchema = z.object({
  seq: z.number().int().min(0),
  /** The newest change journal entry, when there is one (see GET …/history). */
  lastChange: z.object({ id: z.string(), workspaceId: z.string() }).optional(),
});
export type ChangesResult = z.infer<typeof ChangesResultSchema>;
export const CHANGES_MAX_WAIT_MS = 30_000;
