// One change made through a tool re-reads a watched resource once (architecture review §2.1
// measured two: the tool's own refresh, then the change feed's). Real local API over HTTP with
// its change counter, the real server, the SDK client in memory.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_WS, SLACK_BOT_CONN, settled, setup, watchUpdates } from "../helpers/mcp.js";

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
    const u = watchUpdates(env.client);
    await env.client.subscribeResource({ uri: INTEGRATIONS });
    // The feed has taken its baseline of the change counter (its first request answered).
    await expect.poll(() => env.hub.stats.caughtUp, { timeout: 15_000 }).toBeDefined();
    const before = { ...env.hub.stats };
    const updated = u.next(INTEGRATIONS);
    const r = await env.call("create_workspace_integration", {
      workspaceId: DEMO_WS,
      integrationName: "slack",
      connectionId: SLACK_BOT_CONN,
    });
    expect(r.isError, env.text(r)).toBeFalsy();
    await updated;
    // Settled: the feed has re-read at the tool's write, the tool's own check of the counter
    // (and any re-read it queued) has finished, and the client has what was sent before.
    await settled(env);
    expect(env.hub.stats.refreshes - before.refreshes).toBe(1);
    expect(u.count(INTEGRATIONS)).toBe(1);
  });
});
