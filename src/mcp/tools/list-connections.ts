import { z } from "zod";
import { IdSchema } from "../../domain/common.js";
import { ConnectionSchema } from "../../domain/entities.js";
import { PageArgs } from "../args.js";
import { defineTool, READ_ONLY } from "../tool.js";

export default defineTool({
  name: "list_connections",
  title: "List connections",
  toolset: "connections",
  description:
    "List connections (stored credentials, never shown) to pick a connectionId; it must be of the same integration. Filter by integrationName and/or workspaceId.",
  input: z.strictObject({
    integrationName: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .describe("Only connections of this integration."),
    workspaceId: IdSchema.optional(),
    ...PageArgs,
  }),
  output: z.object({ connections: z.array(ConnectionSchema), total: z.number() }),
  annotations: READ_ONLY,
  async handler(args, ctx) {
    const res = await ctx.api.listConnections(args, { signal: ctx.signal });
    const shown = res.connections
      .map((c) => `${c.displayName} (${c.id}, ${c.integrationName}, ${c.status})`)
      .join("; ");
    return {
      data: { connections: res.connections, total: res.total },
      summary: `${res.total} connection(s)${shown ? `: ${shown}` : ""}.`,
    };
  },
});
