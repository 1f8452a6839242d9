// Headless Debian chromium driven by playwright-core: the one launcher of the browser tests and
// `npm run screenshots`. No browser download (this network refuses it; `.ci/run` installs the
// Debian package), and the flags keep chromium's background services off the network.
import { chromium } from "playwright-core";

/** Where Debian's chromium lives (WEAVZ_CHROMIUM overrides). */
export const CHROMIUM = process.env.WEAVZ_CHROMIUM ?? "/usr/bin/chromium";

/** A headless chromium with a fresh temporary profile (playwright-core makes one per launch). */
export function launchChromium() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
