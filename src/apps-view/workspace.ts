import type { App } from "@modelcontextprotocol/ext-apps";
import { fmt, h, render } from "./dom.js";
import type { ToolResultLike } from "./plan-model.js";
import { isRec, list, type Rec, str } from "./records.js";

interface ServerView {
  server: Rec;
  tools: Rec[];
  toolCount: number;
}

interface State {
  workspaceId?: string;
  integrations?: Rec[];
  servers?: ServerView[];
  loading: boolean;
  problems: string[];
  updatedAt?: Date;
}

/** Pages a list tool through the host until its last page (nextOffset absent). */
async function allPages(
  call: (name: string, args: Rec) => Promise<ToolResultLike>,
  name: string,
  args: Rec,
  key: string,
  limit: number,
): Promise<Rec[]> {
  const out: Rec[] = [];
  let offset = 0;
  for (let page = 0; page < 50; page++) {
    const r = await call(name, { ...args, limit, offset });
    if (r.isError) throw new Error(r.content?.[0]?.text?.split("\n")[0] ?? `${name} failed`);
    const sc = r.structuredContent ?? {};
    out.push(...list(sc[key]));
    if (typeof sc.nextOffset !== "number") break;
    offset = sc.nextOffset;
  }
  return out;
}

/**
 * The workspace overview: shows what the linked call returned at once, then reads the whole
 * picture by asking the host to call the read tools (list_workspace_integrations,
 * list_mcp_servers, get_mcp_server), again each time the person presses Refresh.
 */
export function mountWorkspace(root: HTMLElement, app: App) {
  const state: State = { loading: false, problems: [] };
  const call = async (name: string, args: Rec) =>
    (await app.callServerTool({ name, arguments: args })) as ToolResultLike;

  const refresh = async () => {
    const workspaceId = state.workspaceId;
    if (!workspaceId || state.loading) return;
    state.loading = true;
    state.problems = [];
    show();
    const [integrations, servers] = await Promise.allSettled([
      allPages(call, "list_workspace_integrations", { workspaceId }, "integrations", 100),
      (async () => {
        const found = await allPages(call, "list_mcp_servers", { workspaceId }, "servers", 100);
        return Promise.all(
          found.map(async (server): Promise<ServerView> => {
            const tools = await allPages(
              call,
              "get_mcp_server",
              { id: str(server.id) },
              "tools",
              500,
            );
            return { server, tools, toolCount: tools.length };
          }),
        );
      })(),
    ]);
    if (integrations.status === "fulfilled") state.integrations = integrations.value;
    else state.problems.push(`Integrations: ${(integrations.reason as Error).message}`);
    if (servers.status === "fulfilled") state.servers = servers.value;
    else state.problems.push(`MCP servers: ${(servers.reason as Error).message}`);
    state.loading = false;
    state.updatedAt = new Date();
    show();
  };

  const show = () => {
    if (!state.workspaceId) {
      render(root, h("p", { class: "muted" }, "Waiting for the workspace…"));
      return;
    }
    render(
      root,
      h(
        "main",
        { class: "workspace" },
        h(
          "header",
          null,
          h("h1", null, "Workspace"),
          h("span", { class: "muted" }, state.workspaceId),
          h(
            "button",
            { class: "refresh", disabled: state.loading, onclick: () => void refresh() },
            state.loading ? "Refreshing…" : "Refresh",
          ),
          state.updatedAt
            ? h("span", { class: "muted" }, `updated ${state.updatedAt.toLocaleTimeString()}`)
            : null,
        ),
        state.problems.length
          ? h(
              "section",
              { class: "outcome error", role: "status" },
              state.problems.map((p) => h("p", null, p)),
            )
          : null,
        integrationsSection(state.integrations),
        serversSection(state.servers),
      ),
    );
  };

  show();
  return {
    input(_args: Rec) {},
    result(result: ToolResultLike) {
      const sc = isRec(result.structuredContent) ? result.structuredContent : {};
      if (Array.isArray(sc.integrations)) {
        state.workspaceId = str(sc.workspaceId);
        state.integrations = list(sc.integrations);
      } else if (isRec(sc.server)) {
        state.workspaceId = str(sc.server.workspaceId);
        const tools = list(sc.tools);
        state.servers = [
          { server: sc.server, tools, toolCount: Number(sc.toolCount) || tools.length },
        ];
      } else if (result.isError) {
        state.problems = [result.content?.[0]?.text?.split("\n")[0] ?? "The call failed."];
      }
      show();
      void refresh();
    },
  };
}

function integrationsSection(items: Rec[] | undefined): HTMLElement {
  if (!items)
    return h(
      "section",
      null,
      h("h2", null, "Integrations"),
      h("p", { class: "muted" }, "Loading…"),
    );
  return h(
    "section",
    { class: "integrations" },
    h("h2", null, `Integrations (${items.length})`),
    items.length === 0
      ? h("p", { class: "muted" }, "None yet.")
      : h(
          "table",
          null,
          h(
            "thead",
            null,
            h(
              "tr",
              null,
              ["Alias", "Integration", "Strategy", "Connection", "Actions"].map((c) =>
                h("th", null, c),
              ),
            ),
          ),
          h(
            "tbody",
            null,
            items.map((i) => {
              const status = str(i.connectionStatus);
              const actions = Array.isArray(i.enabledActions) ? i.enabledActions.map(String) : null;
              return h(
                "tr",
                { data: { alias: str(i.alias) } },
                h(
                  "td",
                  null,
                  h("strong", null, str(i.alias)),
                  i.displayName ? h("div", { class: "muted" }, str(i.displayName)) : null,
                ),
                h("td", null, str(i.integrationName)),
                h("td", null, h("span", { class: "badge" }, str(i.connectionStrategy))),
                h(
                  "td",
                  null,
                  i.connectionId
                    ? [
                        h("span", null, str(i.connectionDisplayName) || str(i.connectionId)),
                        " ",
                        h(
                          "span",
                          { class: `badge ${status === "ACTIVE" ? "ok" : status ? "danger" : ""}` },
                          status || "unknown",
                        ),
                      ]
                    : h("span", { class: "muted" }, "none"),
                ),
                h(
                  "td",
                  { title: actions ? actions.join(", ") : "every action" },
                  actions ? fmt(actions) : "all actions",
                ),
              );
            }),
          ),
        ),
  );
}

function serversSection(servers: ServerView[] | undefined): HTMLElement {
  if (!servers)
    return h("section", null, h("h2", null, "MCP servers"), h("p", { class: "muted" }, "Loading…"));
  return h(
    "section",
    { class: "servers" },
    h("h2", null, `MCP servers (${servers.length})`),
    servers.length === 0 ? h("p", { class: "muted" }, "None yet.") : null,
    servers.map((s) =>
      h(
        "details",
        { class: "server" },
        h(
          "summary",
          null,
          h("strong", null, str(s.server.name)),
          " ",
          h("span", { class: "badge" }, str(s.server.mode)),
          " ",
          h("span", { class: "muted" }, `${s.toolCount} tool(s) · auth ${str(s.server.authMode)}`),
        ),
        s.tools.length ? toolGroups(s.tools) : h("p", { class: "muted" }, "No tools."),
      ),
    ),
  );
}

/** A server's tools by the integration alias they come from (CODE mode's meta tools apart). */
function toolGroups(tools: Rec[]): HTMLElement {
  const groups = new Map<string, string[]>();
  for (const t of tools) {
    const alias = str(t.integrationAlias);
    const name = str(t.name);
    const short = alias && name.startsWith(`${alias}__`) ? name.slice(alias.length + 2) : name;
    groups.set(alias, [...(groups.get(alias) ?? []), short]);
  }
  return h(
    "ul",
    { class: "tools" },
    [...groups].map(([alias, names]) =>
      h(
        "li",
        { data: { alias } },
        h("strong", null, alias || "server tools"),
        h("span", { class: "muted" }, ` (${names.length}): `),
        names.join(", "),
      ),
    ),
  );
}
