import { resolveWorkspaceId } from "../args.js";
import { fenceData } from "../fence.js";
import { auditWorkspace } from "./audit.js";
import { gatherAuditFacts } from "./gather.js";
import { reviewRecentChanges } from "./history.js";
import { type PromptDef, userText } from "./types.js";

const WORKSPACE_ARG = {
  name: "workspaceId",
  description: "Workspace id (from list_workspaces); defaults to the server's WEAVZ_WORKSPACE_ID.",
  required: false,
  complete: "workspaceId",
} as const;

/** Guided setup of one catalog integration in a workspace. */
const setupWorkspaceIntegration: PromptDef = {
  name: "setup_workspace_integration",
  title: "Set up an integration in a workspace",
  description:
    "Walks through adding one catalog integration to a workspace: its actions and settings, which connection strategy and connection to use, a meaningful alias, then the create call.",
  toolset: "integrations",
  writes: true,
  arguments: [
    {
      name: "integrationName",
      description:
        "Catalog name of the integration, e.g. slack or kv-store (search_catalog finds it).",
      required: true,
      complete: "integrationName",
    },
    WORKSPACE_ARG,
    {
      name: "alias",
      description:
        "Alias to give it (optional; completes the workspace's existing aliases, which a new one must not repeat).",
      required: false,
      complete: "alias",
    },
    {
      name: "connectionId",
      description:
        "Connection to pin for fixed or per_user_with_fallback (optional; completes this integration's connections).",
      required: false,
      complete: "connectionId",
    },
  ],
  async build(args, ctx) {
    const workspaceId = resolveWorkspaceId(args.workspaceId, ctx.defaultWorkspaceId);
    const name = args.integrationName ?? "";
    const opts = { signal: ctx.signal };
    const { integration } = await ctx.api.getCatalogIntegration(name, opts);
    const [{ connections: all }, { integrations }] = await Promise.all([
      ctx.api.listConnections({ integrationName: name, limit: 100 }, opts),
      ctx.api.listWorkspaceIntegrations(workspaceId, opts),
    ]);
    // Organization-wide connections serve every workspace; others only their own.
    const connections = all.filter(
      (c) => c.integrationName === name && (c.workspaceId == null || c.workspaceId === workspaceId),
    );
    const facts = {
      integration: {
        name: integration.name,
        displayName: integration.displayName,
        builtIn: integration.builtIn === true,
        requiresConnection: integration.requiresConnection,
        settingsBlocks: integration.settingsBlocks ?? [],
        actions: integration.actions.map((a) => a.name),
      },
      connections: connections.map((c) => ({
        id: c.id,
        displayName: c.displayName,
        status: c.status,
        scope: c.scope,
        endUserId: c.endUserId ?? null,
      })),
      alreadyConfigured: integrations
        .filter((i) => i.integrationName === name)
        .map((i) => ({ alias: i.alias, connectionStrategy: i.connectionStrategy })),
      chosenSoFar: { alias: args.alias ?? null, connectionId: args.connectionId ?? null },
    };
    return [
      userText(
        [
          `Help me add the ${name} integration to workspace ${workspaceId}. Ask me before every choice you cannot settle from the facts below, and change nothing until I agree.`,
          "",
          "1. Actions: tell me what it can do (get_catalog_integration has each action's inputs). If I only need some, set enabledActions to those names; leave it out for all.",
          "2. Connection strategy: fixed = one shared connection (a bot, a service account); per_user = each end user's own account (nothing to pin); per_user_with_fallback = the user's own, else a pinned one. Built-ins without requiresConnection need no connection.",
          "3. Connection: for fixed or per_user_with_fallback pick an ACTIVE connection of this integration (list_connections with integrationName). If none fits, tell me; connections are made in the Weavz dashboard.",
          "4. Settings: only for the settings blocks listed below (e.g. persistence scope for stateful built-ins, advancedCode for advanced-code).",
          "Where chosenSoFar below names an alias or connectionId, I picked it already: check it fits (an unused alias; an ACTIVE connection of this integration).",
          "5. Alias: short and meaningful (what it is for, e.g. slack_alerts vs slack_dms), unique in the workspace; needed when the integration is already configured there.",
          `6. Then call create_workspace_integration with workspaceId ${workspaceId}, integrationName ${name} and the fields chosen, and show me the result.`,
          "",
          fenceData(JSON.stringify(facts), "What the workspace and catalog hold now"),
        ].join("\n"),
      ),
    ];
  },
};

/** Fact-finding over a workspace and a request for a short report. */
const auditWorkspacePrompt: PromptDef = {
  name: "audit_workspace",
  title: "Audit a workspace's integrations",
  description:
    "Checks a workspace for problems: pinned connections that are not ACTIVE, per_user integrations with no end users, the same integration twice without telling aliases, enabledActions the catalog no longer has, static-bearer MCP servers beside strict per_user integrations. Asks for a report with fixes.",
  toolset: "integrations",
  writes: false,
  arguments: [WORKSPACE_ARG],
  async build(args, ctx) {
    const workspaceId = resolveWorkspaceId(args.workspaceId, ctx.defaultWorkspaceId);
    const facts = await gatherAuditFacts(ctx.api, workspaceId, ctx.signal);
    const findings = auditWorkspace(facts);
    const summary = findings.length
      ? `The checks found ${findings.length} problem(s), listed under "findings" below.`
      : 'The checks found no problems ("findings" is empty).';
    return [
      userText(
        [
          `Audit the integrations of workspace ${workspaceId} and report to me. ${summary}`,
          "",
          "Report each finding in one or two plain sentences: what is wrong, why it matters, and the fix as a tool call I can approve. Fixes: a pinned connection that is not ACTIVE → pick an ACTIVE one with list_connections, then update_workspace_integration (connectionId); per_user with no end users → nobody can run it yet: add end users, or switch to fixed / per_user_with_fallback; the same integration twice with aliases that say nothing → rename with update_workspace_integration (alias) to say what each is for; enabledActions the catalog no longer has → get_catalog_integration, then update_workspace_integration with the current names (or null for all); integration_not_in_catalog → it cannot run: remove it with delete_workspace_integration after I confirm; static_bearer_conflict → switch those integrations to per_user_with_fallback, or the MCP servers to OAuth.",
          "Do not change anything yourself; end with the list of proposed calls. If there are no findings, say the workspace looks healthy and name what was checked.",
          "",
          fenceData(
            JSON.stringify({
              findings,
              checked: {
                integrations: facts.integrations.length,
                endUsers: facts.endUserCount ?? "unknown (the API does not list end users)",
                staticBearerServers: facts.bearerServers.length,
              },
            }),
            "Audit facts",
          ),
        ].join("\n"),
      ),
    ];
  },
};

/** From a sentence to a desired state and a plan (plan toolset). */
const describeWorkspaceSetup: PromptDef = {
  name: "describe_workspace_setup",
  title: "Describe a workspace setup in words",
  description:
    "Turns a plain-language description of the integrations a workspace should have into a desired state, plans it with plan_workspace and shows the plan for approval before apply_workspace_plan.",
  toolset: "plan",
  writes: true,
  arguments: [
    {
      name: "request",
      description:
        'What the workspace should have, in words, e.g. "Slack twice: the bot for alerts and each agent\'s own account for DMs; Gmail per user; a KV store per workspace; nothing else".',
      required: true,
    },
    WORKSPACE_ARG,
  ],
  async build(args, ctx) {
    const workspaceId = resolveWorkspaceId(args.workspaceId, ctx.defaultWorkspaceId);
    const { integrations } = await ctx.api.listWorkspaceIntegrations(workspaceId, {
      signal: ctx.signal,
    });
    const current = integrations.map((i) => ({
      alias: i.alias,
      integrationName: i.integrationName,
      connectionStrategy: i.connectionStrategy,
      connectionId: i.connectionId,
      enabledActions: i.enabledActions,
    }));
    return [
      userText(
        [
          `Set up workspace ${workspaceId} as I describe below. Work in this order:`,
          "1. Turn my description into a desired state: one entry per integration, keyed by a meaningful alias (what it is for), each with integrationName and the create fields (connectionStrategy, connectionId, enabledActions, settings, displayName). Find exact integration and action names with search_catalog and get_catalog_integration; connection ids with list_connections (integrationName filter). Keep an existing integration's alias when it stays, or give renamedFrom to rename it.",
          '2. If I said "nothing else" (or similar), plan with prune: true so the others are deleted; otherwise leave prune out and they stay as "unmanaged".',
          `3. Call plan_workspace with workspaceId ${workspaceId} and that desired state. If it reports issues, fix the desired state (ask me when the fix is a choice) and plan again.`,
          "4. Show me the plan in plain words: each step, marking deletes and connection-strategy changes (destructive). Apply with apply_workspace_plan only after I agree; if it says the workspace changed since the plan, plan again and show me.",
          "",
          fenceData(JSON.stringify({ request: args.request ?? "" }), "My description"),
          fenceData(JSON.stringify({ current }), "The workspace now"),
        ].join("\n"),
      ),
    ];
  },
};

/** Every prompt, in the order prompts/list shows them. */
export const PROMPTS: readonly PromptDef[] = [
  setupWorkspaceIntegration,
  auditWorkspacePrompt,
  describeWorkspaceSetup,
  reviewRecentChanges,
];

/** Why a prompt argument is not acceptable, worded like a tool error (for prompts/get). */
export function promptArgumentProblem(
  def: PromptDef,
  args: Record<string, string>,
): string | undefined {
  const missing = def.arguments.filter((a) => a.required && !args[a.name]?.trim());
  if (missing.length > 0) {
    return `Prompt ${def.name} needs ${missing.map((a) => a.name).join(", ")}: ${missing.map((a) => `${a.name} = ${a.description}`).join(" ")}`;
  }
  const known = new Set(def.arguments.map((a) => a.name));
  const unknown = Object.keys(args).filter((k) => !known.has(k));
  if (unknown.length > 0) {
    return `Prompt ${def.name} has no argument ${unknown.join(", ")}; its arguments: ${[...known].join(", ")}.`;
  }
  return undefined;
}
