import { z } from "zod";
import { actionInputSchema, type ObjectSchema, propSchema } from "./schema.js";
import type { ActionTarget, EndpointTool } from "./tools.js";

/** At most this many aliases are named in the CODE-mode tool descriptions. */
const MAX_NAMED_ALIASES = 40;
export const DEFAULT_CODE_TIMEOUT_SECONDS = 30;
export const MAX_CODE_TIMEOUT_SECONDS = 60;

const READ_ONLY = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
} as const;

function aliasList(targets: readonly ActionTarget[]): string {
  const aliases = [...new Set(targets.map((t) => t.integration.alias))];
  if (aliases.length === 0) return "The workspace has no integrations yet.";
  const named = aliases.slice(0, MAX_NAMED_ALIASES).join(", ");
  const more =
    aliases.length > MAX_NAMED_ALIASES ? ` and ${aliases.length - MAX_NAMED_ALIASES} more` : "";
  return `Aliases in this workspace: ${named}${more}.`;
}

/** The three CODE-mode tools; their descriptions name the workspace's current aliases. */
export function codeModeTools(targets: readonly ActionTarget[]): EndpointTool[] {
  const aliases = aliasList(targets);
  return [
    {
      name: "weavz_search",
      title: "Search workspace actions",
      description: `Find the actions this workspace can run, by words in the integration, alias or action name (an empty query lists them all). Each hit shows how to call it in weavz_execute code and its input fields. ${aliases}`,
      inputSchema: {
        type: "object",
        properties: {
          query: {
            type: "string",
            maxLength: 400,
            description: "Words to look for, e.g. 'slack message'.",
          },
          limit: { type: "integer", minimum: 1, maximum: 100, default: 20 },
        },
        additionalProperties: false,
      },
      annotations: { title: "Search workspace actions", ...READ_ONLY },
    },
    {
      name: "weavz_read_api",
      title: "Read an action's input schema",
      description: `The input schema of one action (alias and action), or the actions of one alias (alias only), as weavz.<alias>.<action>(input) takes them in weavz_execute. ${aliases}`,
      inputSchema: {
        type: "object",
        properties: {
          alias: { type: "string", minLength: 1, maxLength: 64 },
          action: { type: "string", minLength: 1, maxLength: 200 },
        },
        required: ["alias"],
        additionalProperties: false,
      },
      annotations: { title: "Read an action's input schema", ...READ_ONLY },
    },
    {
      name: "weavz_execute",
      title: "Run JavaScript against the workspace",
      description: `Run the body of an async JavaScript function. \`await weavz.<alias>.<action>(input)\` runs one action and returns its output (it throws an Error with .code on failure); \`return\` a JSON value to get it back; console.log lines are returned too. No network, filesystem or modules. ${aliases}`,
      inputSchema: {
        type: "object",
        properties: {
          code: {
            type: "string",
            minLength: 1,
            maxLength: 100_000,
            description:
              "e.g. await weavz.kv.put({key: 'a', value: 1}); return await weavz.kv.get({key: 'a'});",
          },
          timeoutSeconds: {
            type: "integer",
            minimum: 1,
            maximum: MAX_CODE_TIMEOUT_SECONDS,
            default: DEFAULT_CODE_TIMEOUT_SECONDS,
          },
        },
        required: ["code"],
        additionalProperties: false,
      },
      annotations: {
        title: "Run JavaScript against the workspace",
        readOnlyHint: false,
        destructiveHint: true,
        idempotentHint: false,
        openWorldHint: true,
      },
    },
  ];
}

export const SearchArgsSchema = z.strictObject({
  query: z.string().max(400).optional(),
  limit: z.number().int().min(1).max(100).default(20),
});
export const ReadApiArgsSchema = z.strictObject({
  alias: z.string().min(1).max(64),
  action: z.string().min(1).max(200).optional(),
});
export const ExecuteArgsSchema = z.strictObject({
  code: z.string().min(1).max(100_000),
  timeoutSeconds: z
    .number()
    .int()
    .min(1)
    .max(MAX_CODE_TIMEOUT_SECONDS)
    .default(DEFAULT_CODE_TIMEOUT_SECONDS),
});

/** How code calls an action. */
export function callForm(t: ActionTarget): string {
  const key = /^[A-Za-z_$][\w$]*$/;
  const alias = key.test(t.integration.alias)
    ? `.${t.integration.alias}`
    : `[${JSON.stringify(t.integration.alias)}]`;
  const action = key.test(t.actionName) ? `.${t.actionName}` : `[${JSON.stringify(t.actionName)}]`;
  return `await weavz${alias}${action}(input)`;
}

/** One line per input field: name, type, required, allowed values. */
function inputSummary(t: ActionTarget): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, prop] of Object.entries(t.action?.props ?? {})) {
    const schema = propSchema(prop);
    const type = typeof schema.type === "string" ? schema.type : "any";
    const values = Array.isArray(schema.enum)
      ? ` one of ${schema.enum.map((v) => JSON.stringify(v)).join("|")}`
      : "";
    out[name] = `${type}${prop.required ? ", required" : ""}${values}`;
  }
  return out;
}

function words(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
}

/** weavz_search: the workspace's actions ranked by how many query words they contain. */
export function searchActions(
  targets: readonly ActionTarget[],
  query: string | undefined,
  limit: number,
) {
  const terms = words(query ?? "");
  const scored: Array<{ score: number; index: number; t: ActionTarget }> = [];
  targets.forEach((t, index) => {
    if (terms.length === 0) {
      scored.push({ score: 0, index, t });
      return;
    }
    const integrationWords = new Set(
      words(
        `${t.integration.alias} ${t.integration.integrationName} ${t.catalogIntegration?.displayName ?? ""} ${t.integration.displayName ?? ""}`,
      ),
    );
    const actionWords = new Set(words(`${t.actionName} ${t.action?.displayName ?? ""}`));
    let score = 0;
    for (const term of terms) {
      if (actionWords.has(term)) score += 3;
      else if (integrationWords.has(term)) score += 2;
      else if ([...actionWords, ...integrationWords].some((w) => w.startsWith(term))) score += 1;
    }
    if (score > 0) scored.push({ score, index, t });
  });
  scored.sort((a, b) => b.score - a.score || a.index - b.index);
  return {
    total: scored.length,
    results: scored.slice(0, limit).map(({ t }) => ({
      call: callForm(t),
      alias: t.integration.alias,
      integrationName: t.integration.integrationName,
      action: t.actionName,
      title: t.action?.displayName ?? t.actionName,
      inputs: inputSummary(t),
    })),
  };
}

/** A failure of a CODE-mode tool, worded for the model with the tool that helps next. */
export class CodeModeError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** weavz_read_api: one action's input schema, or the actions of one alias. */
export function readApi(
  targets: readonly ActionTarget[],
  alias: string,
  action: string | undefined,
): Record<string, unknown> {
  const ofAlias = targets.filter((t) => t.integration.alias === alias);
  if (ofAlias.length === 0) {
    const aliases = [...new Set(targets.map((t) => t.integration.alias))];
    throw new CodeModeError(
      "ALIAS_NOT_FOUND",
      `No integration with alias "${alias}" in this workspace${aliases.length ? `; aliases: ${aliases.slice(0, MAX_NAMED_ALIASES).join(", ")}` : " (it has no integrations yet)"}. Call weavz_search to find actions.`,
    );
  }
  const first = ofAlias[0] as ActionTarget;
  if (action === undefined) {
    return {
      alias,
      integrationName: first.integration.integrationName,
      actions: ofAlias.map((t) => ({
        action: t.actionName,
        title: t.action?.displayName ?? t.actionName,
        call: callForm(t),
      })),
    };
  }
  const t = ofAlias.find((x) => x.actionName === action);
  if (!t) {
    throw new CodeModeError(
      "ACTION_NOT_FOUND",
      `Alias "${alias}" has no enabled action "${action}"; its actions: ${ofAlias.map((x) => x.actionName).join(", ")}.`,
    );
  }
  const inputSchema: ObjectSchema = t.action
    ? actionInputSchema(t.action)
    : { type: "object", properties: {} };
  return {
    alias,
    integrationName: t.integration.integrationName,
    action: t.actionName,
    title: t.action?.displayName ?? t.actionName,
    call: callForm(t),
    inputSchema,
  };
}
