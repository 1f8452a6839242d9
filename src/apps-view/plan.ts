import type { App } from "@modelcontextprotocol/ext-apps";
import { fmt, h, render } from "./dom.js";
import {
  type FieldLine,
  type PlanView,
  planView,
  type StepView,
  summaryOf,
  type ToolResultLike,
} from "./plan-model.js";

/** The App's helper tool (src/mcp/apps/decide.ts): Approve and Cancel go through it. */
const DECIDE_TOOL = "app_decide_change";

const KIND_LABEL: Record<StepView["kind"], string> = {
  create: "create",
  update: "update",
  delete: "delete",
  rename: "rename",
};

/** The plan review: renders each result the host sends, and Approve/Cancel of a preview. */
export function mountPlan(root: HTMLElement, app: App) {
  let input: Record<string, unknown> | undefined;
  let busy = false;
  let view: PlanView | undefined;

  const show = () => {
    if (!view) {
      render(root, h("p", { class: "muted" }, "Waiting for the plan…"));
      return;
    }
    render(root, page(view));
  };

  const decide = async (decision: "approve" | "cancel") => {
    const confirm = view?.confirm;
    if (!confirm || busy) return;
    busy = true;
    show();
    let result: ToolResultLike;
    try {
      result = (await app.callServerTool({
        name: DECIDE_TOOL,
        arguments: {
          tool: confirm.tool,
          arguments: { ...confirm.arguments, confirm: confirm.token },
          decision,
        },
      })) as ToolResultLike;
    } catch (err) {
      result = {
        isError: true,
        content: [{ type: "text", text: `The host could not run it: ${(err as Error).message}` }],
      };
    }
    busy = false;
    view = planView(result);
    show();
    // Tell the model what the person decided, where the host supports it.
    const words = decision === "approve" ? "approved" : "cancelled";
    const text = `In the plan review the user ${words} ${confirm.tool}. Result: ${summaryOf(result)}`;
    if (app.getHostCapabilities()?.updateModelContext) {
      app.updateModelContext({ content: [{ type: "text", text }] }).catch(() => {});
    }
  };

  const page = (v: PlanView): HTMLElement =>
    h(
      "main",
      { class: "plan" },
      h(
        "header",
        null,
        h("h1", null, v.title),
        v.workspaceId ? h("span", { class: "muted" }, `workspace ${v.workspaceId}`) : null,
      ),
      v.outcome
        ? h(
            "section",
            { class: `outcome ${v.outcome.tone}`, role: "status" },
            h("p", null, v.outcome.text),
            v.outcome.lines.length
              ? h(
                  "ul",
                  null,
                  v.outcome.lines.map((l) => h("li", null, l)),
                )
              : null,
          )
        : null,
      v.problems.length
        ? h(
            "section",
            { class: "problems" },
            h("h2", null, `Problems (${v.problems.length})`),
            h(
              "ul",
              null,
              v.problems.map((p) =>
                h(
                  "li",
                  null,
                  h("strong", null, p.alias),
                  " · ",
                  h("code", null, p.field),
                  ": ",
                  p.message,
                  p.suggestions.length
                    ? h("div", { class: "fix" }, `Fix: use ${p.suggestions.join(" or ")}`)
                    : null,
                ),
              ),
            ),
          )
        : null,
      v.steps.length
        ? h(
            "section",
            { class: "steps" },
            h("h2", null, `Steps (${v.steps.length})`),
            h("ol", null, v.steps.map(stepItem)),
          )
        : null,
      v.notes.length
        ? h(
            "section",
            { class: "notes" },
            v.notes.map((n) => h("p", { class: "muted" }, n)),
          )
        : null,
      v.confirm ? actions(v) : null,
    );

  const actions = (v: PlanView): HTMLElement => {
    const c = v.confirm;
    const expires = c?.expiresAt ? new Date(c.expiresAt) : undefined;
    const destructive = v.steps.filter((s) => s.destructive).length;
    return h(
      "section",
      { class: "actions" },
      h(
        "p",
        null,
        destructive
          ? `${destructive} step(s) cannot be undone by Weavz itself. Approve to go ahead, or Cancel to change nothing.`
          : "Approve to go ahead, or Cancel to change nothing.",
        expires && !Number.isNaN(expires.getTime())
          ? ` The preview expires at ${expires.toLocaleTimeString()}.`
          : "",
      ),
      h(
        "div",
        { class: "buttons" },
        h(
          "button",
          { class: "approve", disabled: busy, onclick: () => void decide("approve") },
          busy ? "Working…" : "Approve",
        ),
        h(
          "button",
          { class: "cancel", disabled: busy, onclick: () => void decide("cancel") },
          "Cancel",
        ),
      ),
    );
  };

  show();
  return {
    input(args: Record<string, unknown>) {
      input = args;
    },
    result(result: ToolResultLike) {
      view = planView(result, input);
      show();
    },
  };
}

function stepItem(s: StepView): HTMLElement {
  return h(
    "li",
    { class: `step ${s.kind}${s.destructive ? " destructive" : ""}`, data: { kind: s.kind } },
    h(
      "div",
      { class: "step-head" },
      h("span", { class: `badge ${s.kind}` }, KIND_LABEL[s.kind]),
      s.kind === "rename"
        ? h(
            "span",
            { class: "alias" },
            h("s", null, s.from ?? ""),
            " → ",
            h("strong", null, s.alias),
          )
        : h("strong", { class: "alias" }, s.alias),
      h("span", { class: "muted" }, s.integrationName),
      s.destructive
        ? h(
            "span",
            { class: "badge danger", title: "Deletes, or changes who connects" },
            "destructive",
          )
        : null,
      s.temporary ? h("span", { class: "muted" }, "(temporary alias for a swap)") : null,
    ),
    s.fields.length
      ? h(
          "table",
          { class: "fields" },
          h(
            "tbody",
            null,
            s.fields.map((f) => fieldRow(s, f)),
          ),
        )
      : null,
  );
}

function fieldRow(s: StepView, f: FieldLine): HTMLElement {
  const value = (v: unknown) =>
    f.field === "enabledActions" && v === null ? "all actions" : fmt(v);
  if (s.kind === "update" || s.kind === "rename") {
    return h(
      "tr",
      null,
      h("th", null, f.field),
      h("td", { class: "before" }, value(f.before)),
      h("td", { class: "arrow" }, "→"),
      h("td", { class: "after" }, value(f.after)),
    );
  }
  return h(
    "tr",
    null,
    h("th", null, f.field),
    h("td", { class: s.kind === "delete" ? "before" : "after" }, value(f.after)),
  );
}
