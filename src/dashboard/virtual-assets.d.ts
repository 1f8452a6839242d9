/** The dashboard's browser assets, provided by the build (see scripts/dashboard-assets.mjs). */
declare module "weavz:dashboard-assets" {
  /** The browser script (an IIFE, minified). */
  export const SCRIPT: string;
  /** The stylesheet. */
  export const STYLES: string;
}
