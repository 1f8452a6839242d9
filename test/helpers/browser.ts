import type { Browser } from "playwright-core";
import { launchChromium } from "../../scripts/chromium.mjs";

/** Headless Debian chromium via playwright-core (scripts/chromium.mjs, shared with the .mjs callers). */
export function launchBrowser(): Promise<Browser> {
  return launchChromium();
}
