/** Package version, injected at build time; "dev" when running from source. */
export const VERSION: string =
  typeof __WEAVZ_VERSION__ === "string" ? __WEAVZ_VERSION__ : "0.0.0-dev";
declare const __WEAVZ_VERSION__: string | undefined;
