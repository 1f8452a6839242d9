import { html } from "hono/html";
import type { UndoPreview } from "../../api/undo.js";
import type { PlanStep } from "../../domain/plan/index.js";
import { actorText, valueText } from "./history.js";
import { type Html, type Page, undoPath, when, workspacePath, workspaceTop } from "./layout.js";

function step(s: PlanStep): Html {
  const verb =
    s.action === "create"
      ? `Re-create “${s.alias}”`
      : s.action === "delete"
        ? `Delete “${s.alias}”`
        : `Put back the earlier fields of “${s.alias}”`;
  return html`<li class="step" data-action="${s.action}"><strong>${verb}</strong> <span class="muted">(${s.integrationName})</span>${
    s.changes && s.changes.length > 0
      ? html`<table class="diff"><caption class="sr-only">Fields put back</caption>
<thead><tr><th scope="col">Field</th><th scope="col">Now</th><th scope="col">After the undo</th></tr></thead>
<tbody>${s.changes.map(
          (c) =>
            html`<tr><th scope="row"><code>${c.field}</code></th><td class="before"><code>${valueText(c.before, c.field)}</code></td><td class="after"><code>${valueText(c.after, c.field)}</code></td></tr>`,
        )}</tbody></table>`
      : ""
  }${s.action === "create" && s.request ? html`<pre>${JSON.stringify(s.request, null, 2)}</pre>` : ""}</li>`;
}

/**
 * The undo confirmation: what is undone, why it cannot go ahead (with the later change to undo
 * first), what stays as it is, the inverse plan step by step, then the confirm button. The form
 * carries the preview's fingerprint: if anything moves before it is sent, the server shows the
 * new preview instead of applying.
 */
export function undoPage(
  workspace: { id: string; name: string },
  p: UndoPreview,
  csrf: string,
  notice?: Html,
): Page {
  const steps = p.plan.steps.filter((s) => !s.temporary);
  const blocked = p.problems.length > 0 || steps.length === 0;
  const what = "changeId" in p.target ? "this change" : "this plan";
  const body = html`${notice ?? ""}
<section class="card undo" aria-labelledby="undo-title">
<h2 id="undo-title">Undo ${what}?</h2>
<p class="summary">${p.summary}</p>
<h3>It takes back</h3>
<ul class="undone">${p.entries.map(
    (e) =>
      html`<li><span class="op op-${e.operation}">${e.operation}</span> <strong>${e.target.alias}</strong> — ${when(e.time)} by ${actorText(e)}</li>`,
  )}</ul>
${
  p.problems.length > 0
    ? html`<div class="problems" role="alert"><h3>Why it cannot be undone now</h3><ul>${p.problems.map(
        (pr) =>
          html`<li><p class="error">${pr.message}</p><p>${pr.nextStep}</p>${
            pr.laterChange
              ? html`<p><a href="${undoPath(workspace.id, { changeId: pr.laterChange.id })}">Undo the later change first: <code>${pr.laterChange.line}</code></a></p>`
              : ""
          }</li>`,
      )}</ul></div>`
    : ""
}
${
  p.irreversible.length > 0
    ? html`<div class="notice"><h3>Left as it is</h3><ul>${p.irreversible.map(
        (i) => html`<li><strong>${i.alias}</strong>: ${i.reason}. Instead: ${i.instead}</li>`,
      )}</ul></div>`
    : ""
}
${
  steps.length > 0 && p.problems.length === 0
    ? html`<h3>What will run</h3><ol class="steps">${steps.map(step)}</ol>`
    : ""
}
<form method="post" action="${undoPath(workspace.id, p.target)}" class="actions-row">
<input type="hidden" name="_csrf" value="${csrf}">
<input type="hidden" name="fingerprint" value="${p.fingerprint}">
<button type="submit" class="danger"${blocked ? html` disabled` : ""}>Undo ${what}</button>
<a class="button" href="${workspacePath(workspace.id, "/history")}">Cancel</a>
</form>
</section>`;
  return {
    title: `${workspace.name}: undo`,
    workspaceId: workspace.id,
    top: workspaceTop(workspace, "history"),
    body,
  };
}
