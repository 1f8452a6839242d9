import {
  App,
  applyDocumentTheme,
  applyHostStyleVariables,
  type McpUiHostContext,
  PostMessageTransport,
} from "@modelcontextprotocol/ext-apps";
import { mountPlan } from "./plan.js";
import { mountWorkspace } from "./workspace.js";

// One bundle for both views; the HTML file says which one it is (scripts/build-apps.mjs).
const which = document.body.dataset.view === "workspace" ? "workspace" : "plan";
const root = document.getElementById("root") as HTMLElement;
const app = new App(
  { name: which === "plan" ? "weavz-plan-review" : "weavz-workspace-overview", version: "1.0.0" },
  {},
  { autoResize: true },
);
const view = which === "plan" ? mountPlan(root, app) : mountWorkspace(root, app);

/** Follows the host's theme and style variables when it sends them. */
function style(ctx: Partial<McpUiHostContext> | undefined): void {
  if (ctx?.theme) applyDocumentTheme(ctx.theme);
  if (ctx?.styles?.variables) applyHostStyleVariables(ctx.styles.variables);
}

// Handlers first: the host may send the call's input and result right after the handshake.
app.ontoolinput = (p) => view.input((p.arguments ?? {}) as Record<string, unknown>);
app.ontoolresult = (r) => view.result(r as Parameters<typeof view.result>[0]);
app.onhostcontextchanged = (ctx) => style(ctx);
app
  .connect(new PostMessageTransport(window.parent, window.parent))
  .then(() => style(app.getHostContext()))
  .catch((err: Error) => {
    root.textContent = `Could not connect to the host: ${err.message}`;
  });
