import { type Browser, chromium } from "playwright-core";

/** Where Debian's chromium lives; `.ci/run` installs it when missing (no browser download). */
export const CHROMIUM = process.env.WEAVZ_CHROMIUM ?? "/usr/bin/chromium";

/**
 * Headless Debian chromium driven by playwright-core (which gives each launch a fresh, temporary
 * profile). The flags keep it off the network: this machine refuses every outside connection,
 * and chromium's background services try many.
 */
export async function launchBrowser(): Promise<Browser> {
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
