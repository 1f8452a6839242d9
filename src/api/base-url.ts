/**
 * The one base-URL rule, shared by the options and the client: `origin + path prefix`, with
 * trailing slashes and a trailing `/api/v1` dropped (users paste the API's full URL), so
 * `https://platform.weavz.io/api/v1/` and `https://platform.weavz.io` name the same API.
 */
export function normaliseBaseUrl(url: URL): string {
  return `${url.origin}${basePrefix(url)}`;
}

/** The path prefix in front of `/api/v1` (often empty). */
export function basePrefix(url: URL): string {
  return url.pathname.replace(/\/+$/, "").replace(/\/api\/v1$/, "");
}
