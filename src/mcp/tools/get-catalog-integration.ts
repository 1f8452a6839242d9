import { z } from "zod";
import { needsConnection } from "../../domain/entities.js";
import { defineTool, READ_ONLY } from "../tool.js";

const ActionOut = z.object({
  name: z.string(),
  displayName: z.string(),
  requiredInputs: z.array(z.string()),
  optionalInputs: z.array(z.string()),
});

export default defineTool({
  name: "get_catalog_integration",
  title: "Show a catalog integration",
  toolset: "catalog",
  description:
    "One catalog integration: exact action names (for enabledActions) and inputs, whether it needs a connection, which settings blocks it takes.",
  input: z.strictObject({
    integrationName: z
      .string()
      .min(1)
      .max(100)
      .describe("Exact catalog name, e.g. slack or kv-store."),
  }),
  output: z.object({
    name: z.string(),
    displayName: z.string(),
    builtIn: z.boolean(),
    needsConnection: z.boolean(),
    settingsBlocks: z.array(z.string()),
    actions: z.array(ActionOut),
  }),
  annotations: READ_ONLY,
  async handler(args, ctx) {
    const { integration: i } = await ctx.api.getCatalogIntegration(args.integrationName, {
      signal: ctx.signal,
    });
    const actions = i.actions.map((a) => {
      const entries = Object.entries(a.props ?? {});
      return {
        name: a.name,
        displayName: a.displayName,
        requiredInputs: entries.filter(([, p]) => p.required).map(([k]) => k),
        optionalInputs: entries.filter(([, p]) => !p.required).map(([k]) => k),
      };
    });
    const data = {
      name: i.name,
      displayName: i.displayName,
      builtIn: i.builtIn === true,
      needsConnection: needsConnection(i),
      settingsBlocks: i.settingsBlocks ?? [],
      actions,
    };
    return {
      data,
      summary: `${i.displayName} (${i.name}): ${actions.length} action(s); ${data.needsConnection ? "needs a connection" : "needs no connection"}${data.settingsBlocks.length ? `; settings: ${data.settingsBlocks.join(", ")}` : ""}.`,
    };
  },
});
