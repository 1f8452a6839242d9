import type { Context } from "hono";
import { WeavzApiError } from "../api/errors.js";
import type { Logger } from "../log.js";
import { ScopeDeniedError } from "../mcp/scope.js";
import type { DashboardEnv } from "./guard.js";
import { layout, messagePage, type Page, type Viewer } from "./views/layout.js";

/** The header the script sends to get only a page's live region. */
export const FRAGMENT_HEADER = "x-dashboard-fragment";

const NO_STORE = { "cache-control": "no-store" };

/** Who is looking, from the session the guard put on the context. */
export function viewerOf(c: Context): Viewer | undefined {
  const s = (c as Context<DashboardEnv>).get("session");
  return s ? { principal: s.principal, csrf: s.csrf } : undefined;
}

/** A page as a response: the whole document, or with the fragment header its live region. */
export function renderPage(
  c: Context,
  page: Page,
  status: 200 | 409 | 502 = 200,
): Response | Promise<Response> {
  if (c.req.header(FRAGMENT_HEADER) === "1") return c.html(page.body, status, NO_STORE);
  return c.html(layout(page, viewerOf(c)), status, NO_STORE);
}

/** A one-message page with a status. */
export function messageResponse(
  c: Context,
  status: 403 | 404 | 409 | 502 | 503,
  title: string,
  message: string,
): Response | Promise<Response> {
  return c.html(messagePage(title, message, viewerOf(c)), status, NO_STORE);
}

/**
 * An API failure as a page: out of scope (403), not found (404, worded by `notFound`), or the
 * backend's trouble (502, logged; the page never shows the upstream body).
 */
export function failureResponse(
  c: Context,
  err: unknown,
  log: Logger,
  notFound = "There is no such workspace (or it was deleted).",
): Response | Promise<Response> {
  if (err instanceof ScopeDeniedError)
    return messageResponse(c, 403, "Not allowed", "This login may not see that workspace.");
  if (err instanceof WeavzApiError && err.status === 404)
    return messageResponse(c, 404, "Not found", notFound);
  log.warn(`dashboard: ${c.req.path}: ${(err as Error).message}`);
  const status = err instanceof WeavzApiError ? ` (the API answered ${err.status})` : "";
  return messageResponse(
    c,
    502,
    "Backend unavailable",
    `The Weavz API could not be read${status}; try again in a moment.`,
  );
}
