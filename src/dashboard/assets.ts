import { createHash } from "node:crypto";
// Built from src/dashboard/client/ by scripts/dashboard-assets.mjs (esbuild), inlined in the
// bundle: the dashboard needs no file next to dist/ and no network.
import { SCRIPT, STYLES } from "weavz:dashboard-assets";

export { SCRIPT, STYLES };

/** Changes with the assets, so browsers may keep them for good (`?v=` in their URLs). */
export const ASSET_VERSION = createHash("sha256")
  .update(SCRIPT)
  .update(STYLES)
  .digest("base64url")
  .slice(0, 12);
