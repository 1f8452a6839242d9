import type { Dashboard } from "./app.js";

export { createDashboard, type Dashboard } from "./app.js";
export { dashboardHook, serveDashboard } from "./node.js";

/** The line `npm start` prints about the dashboard: its login URL, or why it is off. */
export function dashboardLine(dashboard: Dashboard, endpointUrl: string): string {
  const url = dashboard.loginUrl(new URL(endpointUrl).origin);
  if (!url) {
    const reason = dashboard.access.kind === "off" ? dashboard.access.reason : "";
    return `Dashboard: off. ${reason}`;
  }
  return dashboard.access.kind === "link"
    ? `Dashboard (one-time login link): ${url}`
    : `Dashboard: ${url} (log in with one of the bearer tokens)`;
}
