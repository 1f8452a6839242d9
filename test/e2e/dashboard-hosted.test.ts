// The dashboard in hosted mode (an API key): pages read the upstream API, history is this
// server's own journal, and undo goes through it. The upstream is the real local API standing
// in for the hosted Weavz API (a stand-in, not the hosted service); the server is the built CLI.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir, useCliProcesses } from "../helpers/cli.js";
import { connectHttpClient, type SpawnedServer, spawnServer } from "../helpers/dashboard.js";
import { client as rest, startTestLocalApi, type TestLocalApi } from "../helpers/local-api.js";
import { DEMO_WS } from "../helpers/mcp.js";

describe("dashboard in hosted mode", () => {
  useCliProcesses();
  let upstream: TestLocalApi;
  let server: SpawnedServer;
  let cookie: string;
  const ws = `/workspaces/${DEMO_WS}`;

  beforeAll(async () => {
    upstream = await startTestLocalApi({ demo: true });
    server = await spawnServer([
      "--transport",
      "http",
      "--port",
      "0",
      "--api-key",
      upstream.apiKey,
      "--base-url",
      upstream.url,
      "--journal-db",
      join(tempDir("weavz-dashboard-hosted-"), "journal.db"),
    ]);
    const login = await fetch(server.dashboardUrl as string, { redirect: "manual" });
    expect(login.status).toBe(303);
    cookie = (login.headers.getSetCookie()[0] as string).split(";")[0] as string;
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    await upstream?.close();
  });

  const get = (path: string) => fetch(`${server.origin}${path}`, { headers: { cookie } });

  it("shows what the hosted API holds, changes made elsewhere included", async () => {
    const elsewhere = await rest(upstream.url, upstream.apiKey)(
      "POST",
      `/api/v1/workspaces/${DEMO_WS}/integrations`,
      { integrationName: "storage", alias: "made_elsewhere", connectionStrategy: "per_user" },
    );
    expect(elsewhere.status).toBe(201);
    const page = await (await get(ws)).text();
    expect(page).toContain('data-alias="made_elsewhere"');
    expect(await (await get("/")).text()).toMatch(/Weavz API at http:\/\/127\.0\.0\.1/);
  });

  it("lists only this server's own changes, says so, and undoes one through the journal", async () => {
    const agent = await connectHttpClient(server.mcpUrl as string);
    const made = await agent.call("create_workspace_integration", {
      workspaceId: DEMO_WS,
      integrationName: "kv-store",
      alias: "made_here",
    });
    expect(made.isError).toBeFalsy();
    await agent.client.close();
    const history = await (await get(`${ws}/history`)).text();
    expect(history).toContain("Only changes made through this weavz-mcp server");
    expect(history).toContain('data-alias="made_here"');
    expect(history).not.toContain('data-alias="made_elsewhere"');
    const undoPath = /href="([^"]+\/undo)"/.exec(history)?.[1] as string;
    const preview = await (await get(undoPath)).text();
    expect(preview).toContain("Delete “made_here”");
    const field = (name: string) =>
      new RegExp(`name="${name}" value="([^"]+)"`).exec(preview)?.[1] as string;
    const done = await fetch(`${server.origin}${undoPath}`, {
      method: "POST",
      redirect: "manual",
      headers: {
        cookie,
        origin: server.origin,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({ _csrf: field("_csrf"), fingerprint: field("fingerprint") }),
    });
    expect(done.status).toBe(303);
    const left = await rest(upstream.url, upstream.apiKey)(
      "GET",
      `/api/v1/workspaces/${DEMO_WS}/integrations`,
    );
    const aliases = (left.body as any).integrations.map((i: any) => i.alias);
    expect(aliases).toContain("made_elsewhere");
    expect(aliases).not.toContain("made_here");
    const after = await (await get(`${ws}/history`)).text();
    expect(after).toMatch(/data-alias="made_here" data-operation="delete"/);
  });
});
