import { z } from "zod";
import { needsConnection } from "../../domain/entities.js";
import { moreHint, NextOffsetOut, pageArgs, takePage } from "../paging.js";
import { didYouMean } from "../suggest.js";
import { defineTool, READ_ONLY, ToolInputError } from "../tool.js";

const ActionOut = z.object({
  name: z.string(),
  displayName: z.string(),
  requiredInputs: z.array(z.string()),
  optionalInputs: z.array(z.string()),
});

const DEFAULT_LIMIT = 50;

export default defineTool({
  name: "get_catalog_integration",
  title: "Show a catalog integration",
  toolset: "catalog",
  description:
    "One catalog integration: exact action names (for enabledActions) and inputs, whether it needs a connection, which settings blocks it takes. actions narrows to named actions.",
  input: z.strictObject({
    integrationName: z
      .string()
      .min(1)
      .max(100)
      .describe("Exact catalog name, e.g. slack or kv-store."),
    actions: z
      .array(z.string().min(1).max(200))
      .min(1)
      .max(100)
      .optional()
      .describe("Only these actions."),
    ...pageArgs(DEFAULT_LIMIT, 500),
  }),
  output: z.object({
    name: z.string(),
    displayName: z.string(),
    builtIn: z.boolean(),
    needsConnection: z.boolean(),
    settingsBlocks: z.array(z.string()),
    actionCount: z.number(),
    actions: z.array(ActionOut),
    nextOffset: NextOffsetOut,
  }),
  annotations: READ_ONLY,
  hints: {
    NOT_FOUND: "call search_catalog with words for what it does to find the exact integrationName.",
    INTEGRATION_NOT_FOUND:
      "call search_catalog with words for what it does to find the exact integrationName.",
  },
  async handler(args, ctx) {
    const { integration: i } = await ctx.api.getCatalogIntegration(args.integrationName, {
      signal: ctx.signal,
    });
    let chosen = i.actions;
    if (args.actions) {
      const wanted = new Set(args.actions);
      chosen = i.actions.filter((a) => wanted.has(a.name));
      const known = new Set(i.actions.map((a) => a.name));
      const missing = args.actions.filter((a) => !known.has(a));
      if (missing.length > 0) {
        const names = i.actions.map((a) => a.name);
        const hints = missing.map(
          (m) => `"${m}"${((d) => (d ? ` (${d})` : ""))(didYouMean(m, names))}`,
        );
        throw new ToolInputError(
          `${i.name} has no action ${hints.join(", ")}.`,
          `call get_catalog_integration {"integrationName":${JSON.stringify(i.name)}} without actions to see all ${names.length} action names.`,
          "ACTION_NOT_FOUND",
        );
      }
    }
    const all = chosen.map((a) => {
      const entries = Object.entries(a.props ?? {});
      return {
        name: a.name,
        displayName: a.displayName,
        requiredInputs: entries.filter(([, p]) => p.required).map(([k]) => k),
        optionalInputs: entries.filter(([, p]) => !p.required).map(([k]) => k),
      };
    });
    const offset = args.offset ?? 0;
    const page = takePage(all, offset, args.limit ?? DEFAULT_LIMIT);
    const data = {
      name: i.name,
      displayName: i.displayName,
      builtIn: i.builtIn === true,
      needsConnection: needsConnection(i),
      settingsBlocks: i.settingsBlocks ?? [],
      actionCount: i.actions.length,
      actions: page.items,
      ...(page.nextOffset !== undefined ? { nextOffset: page.nextOffset } : {}),
    };
    const shown =
      page.items.length === all.length
        ? `${all.length} action(s)`
        : `actions ${offset + 1}-${offset + page.items.length} of ${all.length}`;
    return {
      data,
      summary: `${i.name}: ${shown}${args.actions ? ` (of ${i.actions.length})` : ""}; ${data.needsConnection ? "needs a connection" : "needs no connection"}${data.settingsBlocks.length ? `; settings: ${data.settingsBlocks.join(", ")}` : ""}.${moreHint("get_catalog_integration", page.nextOffset, args)}`,
    };
  },
});
