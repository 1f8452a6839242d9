import { html } from "hono/html";
import { type Html, layout } from "./layout.js";

/** The bearer-token login form (beyond loopback); `nonce` pairs it with its cookie. */
export function loginPage(nonce: string, error?: string): Html {
  return layout({
    title: "Log in",
    body: html`<div class="login card">
<h1>Log in to the dashboard</h1>
<p>Paste one of the bearer tokens this server accepts (its tokens file). The dashboard then shows
and undoes only in the workspaces that token may use.</p>
${error ? html`<p class="error" role="alert">${error}</p>` : ""}
<form method="post" action="/login">
<input type="hidden" name="_login" value="${nonce}">
<label for="token">Bearer token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required>
<button type="submit">Log in</button>
</form>
</div>`,
  });
}

/** What someone without a session sees in link mode: how to get a login link. */
export function linkNeededPage(used: boolean): Html {
  return layout({
    title: "Log in",
    body: html`<div class="login card">
<h1>Open the dashboard with its login link</h1>
${used ? html`<p class="error" role="alert">That login link was already used: each one works once.</p>` : ""}
<p>The server printed a link with a one-time <code>token=</code> when it started. Open that link
in this browser; it signs this browser in with a cookie.</p>
<p>For a new link, restart <code>weavz-mcp --transport http</code> or run
<code>weavz-mcp dashboard</code>.</p>
</div>`,
  });
}

/** Why the dashboard is off in this configuration. */
export function offPage(reason: string): Html {
  return layout({
    title: "Dashboard off",
    body: html`<div class="login card"><h1>The dashboard is off</h1><p>${reason}</p></div>`,
  });
}
