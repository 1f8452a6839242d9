import { WeavzApiError } from "./errors.js";

/**
 * Percent-encodes one path segment. Empty, `.` and `..` are rejected before any request is
 * made (a `..` would walk out of the resource after URL normalisation by a proxy), with a
 * client-side WeavzApiError: status 400, code VALIDATION_ERROR, the parameter named in the
 * message and in `details.issues`, so callers handle it like the server's own 400.
 */
export function segment(name: string, value: unknown, method: string, template: string): string {
  if (typeof value !== "string" || value === "" || value === "." || value === "..") {
    const shown = typeof value === "string" ? JSON.stringify(value) : typeof value;
    const message = `${name} must be a non-empty id other than "." and ".." (got ${shown})`;
    throw WeavzApiError.generate({
      status: 400,
      body: {
        error: message,
        code: "VALIDATION_ERROR",
        details: { issues: [{ field: name, message }], clientSide: true },
      },
      method,
      path: template,
    });
  }
  return encodeURIComponent(value);
}

type QueryValue = string | number | boolean | undefined | null;

/** `?a=1&b=x` from defined values only (URLSearchParams encoding); "" when none. */
export function query(params: Record<string, QueryValue>): string {
  let qs: URLSearchParams | undefined;
  for (const key in params) {
    const v = params[key];
    if (v === undefined || v === null) continue;
    qs ??= new URLSearchParams();
    qs.append(key, String(v));
  }
  return qs ? `?${qs.toString()}` : "";
}
