// One change made through a tool re-reads a watched resource once (architecture review §2.1
// measured two: the tool's own refresh, then the change feed's). Real local API over HTTP with
// its change counter, the real server, the SDK client in memory.
import { ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_WS, SLACK_BOT_CONN, setup } from "../helpers/mcp.js";
import { resourceUpdates } from "../helpers/updates.js";

const INTEGRATIONS = `weavz://workspaces/${DEMO_WS}/integrations`;

describe("change hub", () => {
  let env: Awaited<ReturnType<typeof setup>>;
  beforeAll(async () => {
    env = await setup();
  });
  afterAll(async () => {
    await env.close();
  });

  it("re-reads a watched resource once for a change made through a tool, and notifies once", async () => {
    const u = resourceUpdates({ timeoutMs: 15_000 });
    env.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) =>
      u.push(n.params.uri),
    );
    await env.client.subscribeResource({ uri: INTEGRATIONS });
    // The feed has taken its baseline of the change counter (its first request answered).
    for (let i = 0; i < 500 && env.hub.stats.feedRequests < 2; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(env.hub.stats.feedRequests).toBeGreaterThanOrEqual(2);
    const before = { ...env.hub.stats };
    const updated = u.next(INTEGRATIONS);
    const r = await env.call("create_workspace_integration", {
      workspaceId: DEMO_WS,
      integrationName: "slack",
      connectionId: SLACK_BOT_CONN,
    });
    expect(r.isError, env.text(r)).toBeFalsy();
    await updated;
    // Settled: the feed has gone back to waiting after its refresh (a later request), and the
    // tool's own check of the counter has had its turns.
    for (let i = 0; i < 500 && env.hub.stats.feedRequests <= before.feedRequests; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(env.hub.stats.refreshes - before.refreshes).toBe(1);
    expect(u.count(INTEGRATIONS)).toBe(1);
  });
});
