import { describe, expect, it } from "vitest";
import {
  WeavzApiError,
  WeavzConnectionError,
  WeavzCreateNotAppliedError,
  WeavzTimeoutError,
} from "../../src/api/errors.js";
import { json, startFaultServer } from "./fault-server.js";
import { caught, client, integration, listItem, useFaultServer, WS } from "./helpers.js";

let c: ReturnType<typeof client>;
const upstream = useFaultServer(() => c);

/**
 * A tiny stateful upstream: POST stores the integration (or not) and then misbehaves as told;
 * GET lists what is stored.
 */
function statefulUpstream(
  onPost: { create: boolean; fault: "reset" | "503" | "hang" },
  existing: Record<string, unknown>[] = [],
) {
  const stored: Record<string, unknown>[] = [
    listItem({ id: "other", alias: "github", integrationName: "github" }),
    ...existing,
  ];
  upstream.up.handle((req) => {
    if (req.method === "POST") {
      const body = req.json as Record<string, unknown> & {
        integrationName: string;
        alias?: string;
      };
      if (onPost.create) {
        // Stored as the API would: the request's fields over the API's defaults.
        stored.push(
          listItem({
            id: "wi_new",
            ...body,
            alias: body.alias ?? body.integrationName,
          }),
        );
      }
      if (onPost.fault === "reset") return { kind: "reset" };
      if (onPost.fault === "hang") return { kind: "hang" };
      return json(503, { error: "upstream unavailable", code: "INTERNAL_ERROR" });
    }
    return json(200, { integrations: stored, total: stored.length });
  });
}

describe("create reconciliation", () => {
  it("(a) created, then the socket reset → lists, finds the alias, returns it reconciled", async () => {
    c = client(upstream.up.url);
    statefulUpstream({ create: true, fault: "reset" });
    const out = await c.createWorkspaceIntegration(WS, {
      integrationName: "slack",
      alias: "team_slack",
      connectionId: "conn_1",
    });
    expect(out.reconciled).toBe(true);
    expect(out.integration.id).toBe("wi_new");
    expect(out.integration.alias).toBe("team_slack");
    expect(upstream.up.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      `POST /api/v1/workspaces/${WS}/integrations`,
      `GET /api/v1/workspaces/${WS}/integrations`,
    ]);
    expect(c.log.lines.some((l) => l.startsWith("info create reconciled"))).toBe(true);
  });

  it("(b) reset without creating → lists, not found, throws 'NOT created … safe to retry'", async () => {
    c = client(upstream.up.url);
    statefulUpstream({ create: false, fault: "reset" });
    const err = (await caught(() =>
      c.createWorkspaceIntegration(WS, { integrationName: "slack" }),
    )) as WeavzConnectionError;
    expect(err).toBeInstanceOf(WeavzConnectionError);
    expect(err.createOutcome).toBe("not_created");
    expect(err.message).toMatch(/NOT created .*alias "slack".*safe to retry/);
    expect(upstream.up.requests.map((r) => r.method)).toEqual(["POST", "GET"]);
  });

  it("503 after creating → reconciled; the alias defaults to integrationName", async () => {
    c = client(upstream.up.url);
    statefulUpstream({ create: true, fault: "503" });
    const out = await c.createWorkspaceIntegration(WS, { integrationName: "slack" });
    expect(out).toMatchObject({ reconciled: true, integration: { alias: "slack", id: "wi_new" } });
    expect(upstream.up.requests.map((r) => r.method)).toEqual(["POST", "GET"]);
  });

  it("503 without creating → the original WeavzApiError, marked not created", async () => {
    c = client(upstream.up.url);
    statefulUpstream({ create: false, fault: "503" });
    const err = (await caught(() =>
      c.createWorkspaceIntegration(WS, { integrationName: "slack" }),
    )) as WeavzApiError;
    expect(err).toBeInstanceOf(WeavzApiError);
    expect(err.status).toBe(503);
    expect(err.message).toMatch(/^upstream unavailable\. The integration was NOT created/);
    expect(err.createOutcome).toBe("not_created");
  });

  // The budget is checked by what the upstream saw and what the errors report, not by
  // wall-clock upper bounds (a loaded machine stretches those): the POST gets the budget less a
  // reserve (1500 - 1500/4 = 1125 ms), its socket is closed when that is spent, and the listing
  // runs on what is left; a hang anywhere would hit the test's own timeout instead.
  it("timeout after creating → reconciled within the same budget", async () => {
    c = client(upstream.up.url, { timeoutMs: 1500 });
    statefulUpstream({ create: true, fault: "hang" });
    const out = await c.createWorkspaceIntegration(WS, { integrationName: "slack", alias: "s2" });
    expect(out).toMatchObject({ reconciled: true, integration: { alias: "s2" } });
    const [post, get] = upstream.up.requests;
    expect(upstream.up.requests.map((r) => r.method)).toEqual(["POST", "GET"]);
    // The client gave up on the POST (closed its socket) at its share of the budget, not before.
    expect(await post?.clientClosed).toBe(true);
    expect((get?.at ?? 0) - (post?.at ?? 0)).toBeGreaterThanOrEqual(1100);
  });

  it("timeout without creating → WeavzTimeoutError saying NOT created, within the budget", async () => {
    c = client(upstream.up.url, { timeoutMs: 1500 });
    statefulUpstream({ create: false, fault: "hang" });
    const err = (await caught(() =>
      c.createWorkspaceIntegration(WS, { integrationName: "slack" }),
    )) as WeavzTimeoutError;
    expect(err).toBeInstanceOf(WeavzTimeoutError);
    expect(err.message).toMatch(/did not complete.*NOT created.*safe to retry/);
    // The POST ran on the budget less the reserve kept for the listing, once, and was cut.
    expect(err.timeoutMs).toBe(1125);
    expect(err.attempts).toBe(1);
    expect(upstream.up.requests.map((r) => r.method)).toEqual(["POST", "GET"]);
    expect(await upstream.up.requests[0]?.clientClosed).toBe(true);
  });

  it("timeout, then the listing hangs too → outcome unknown, the listing cut at what was left", async () => {
    c = client(upstream.up.url, { timeoutMs: 1500 });
    upstream.up.handle(() => ({ kind: "hang" }));
    const err = (await caught(() =>
      c.createWorkspaceIntegration(WS, { integrationName: "slack" }),
    )) as WeavzTimeoutError;
    expect(err).toBeInstanceOf(WeavzTimeoutError);
    expect(err.createOutcome).toBe("unknown");
    expect(upstream.up.requests.map((r) => r.method)).toEqual(["POST", "GET"]);
    for (const r of upstream.up.requests) expect(await r.clientClosed).toBe(true);
    // The listing's budget is what the POST left of the 1500 ms: together they stay within it.
    const listBudget = Number(
      /GET \S+ did not complete within its (\d+) ms budget/.exec(err.message)?.[1],
    );
    expect(listBudget).toBeGreaterThan(0);
    expect(err.timeoutMs + listBudget).toBeLessThanOrEqual(1500);
  });

  it("alias found but held by another integration → NOT created, names the holder", async () => {
    c = client(upstream.up.url);
    statefulUpstream({ create: false, fault: "reset" });
    const err = await caught(() =>
      c.createWorkspaceIntegration(WS, { integrationName: "slack", alias: "github" }),
    );
    expect(err).toBeInstanceOf(WeavzCreateNotAppliedError);
    expect((err as WeavzCreateNotAppliedError).createOutcome).toBe("not_created");
    expect(err.message).toMatch(
      /NOT created: alias "github" belongs to an existing github integration \(id other\)/,
    );
  });

  it("issue 8 #1: same alias and integration but per_user with someone else's id → NOT applied, with the facts", async () => {
    c = client(upstream.up.url);
    const theirs = listItem({
      id: "wi_theirs",
      alias: "team_slack",
      integrationName: "slack",
      connectionStrategy: "per_user",
      connectionId: "conn_someone_else",
    });
    statefulUpstream({ create: false, fault: "503" }, [theirs]);
    const err = (await caught(() =>
      c.createWorkspaceIntegration(WS, {
        integrationName: "slack",
        alias: "team_slack",
        connectionStrategy: "fixed",
        connectionId: "conn_mine",
      }),
    )) as WeavzCreateNotAppliedError;
    expect(err).toBeInstanceOf(WeavzCreateNotAppliedError);
    expect(err.applied).toBe(false);
    expect(err.createOutcome).toBe("not_created");
    expect(err.alias).toBe("team_slack");
    expect(err.existing).toMatchObject({ id: "wi_theirs", connectionStrategy: "per_user" });
    expect(err.differences).toEqual([
      { field: "connectionStrategy", requested: "fixed", found: "per_user" },
      { field: "connectionId", requested: "conn_mine", found: "conn_someone_else" },
    ]);
    expect((err.original as WeavzApiError).status).toBe(503);
    expect(err.message).toMatch(/NOT created.*differs in connectionStrategy, connectionId/);
  });

  // Each field the request sets must match; one differing field is enough to refuse success.
  const mine = {
    integrationName: "slack",
    alias: "team_slack",
    connectionStrategy: "per_user_with_fallback" as const,
    connectionId: "conn_mine",
    displayName: "Mine",
    enabledActions: ["send_message", "list_channels"],
    settings: { persistence: { scope: "workspace" as const } },
    sortOrder: 3,
  };
  const storedMine = { ...mine, id: "wi_x", settings: { persistence: { scope: "workspace" } } };
  it.each([
    ["integrationName", { integrationName: "discord" }],
    ["connectionStrategy", { connectionStrategy: "fixed" }],
    ["connectionId", { connectionId: "conn_other" }],
    ["displayName", { displayName: "Theirs" }],
    ["sortOrder", { sortOrder: 4 }],
    ["enabledActions", { enabledActions: ["send_message"] }],
    ["enabledActions", { enabledActions: null }],
    ["settings", { settings: { persistence: { scope: "end_user" } } }],
    ["settings", { settings: {} }],
  ])("one differing field (%s) → NOT applied", async (field, over) => {
    c = client(upstream.up.url);
    statefulUpstream({ create: false, fault: "reset" }, [listItem({ ...storedMine, ...over })]);
    const err = (await caught(() =>
      c.createWorkspaceIntegration(WS, mine),
    )) as WeavzCreateNotAppliedError;
    expect(err).toBeInstanceOf(WeavzCreateNotAppliedError);
    expect(err.differences.map((d) => d.field)).toEqual([field]);
  });

  it("the same fields (actions in another order, settings with defaults filled in) → reconciled", async () => {
    c = client(upstream.up.url);
    statefulUpstream({ create: false, fault: "reset" }, [
      listItem({
        ...storedMine,
        enabledActions: ["list_channels", "send_message"],
        settings: {
          advancedCode: {
            timeoutSeconds: 30,
            sandboxPersistence: "ephemeral",
            storageMountScope: "none",
          },
        },
      }),
    ]);
    const out = await c.createWorkspaceIntegration(WS, {
      ...mine,
      settings: { advancedCode: {} },
    });
    expect(out).toMatchObject({ reconciled: true, integration: { id: "wi_x" } });
  });

  it("listing fails too → outcome unknown, the original error kept", async () => {
    c = client(upstream.up.url, { maxRetries: 1 });
    upstream.up.handle((req) =>
      req.method === "POST"
        ? { kind: "reset" }
        : json(503, { error: "down", code: "INTERNAL_ERROR" }),
    );
    const err = (await caught(() =>
      c.createWorkspaceIntegration(WS, { integrationName: "slack" }),
    )) as WeavzConnectionError;
    expect(err).toBeInstanceOf(WeavzConnectionError);
    expect(err.createOutcome).toBe("unknown");
    expect(err.message).toMatch(/unknown.*list them before retrying/);
    // POST once, then the list with its own retry.
    expect(upstream.up.requests.map((r) => r.method)).toEqual(["POST", "GET", "GET"]);
  });

  it("a refused connection never sent the POST: not created, no listing", async () => {
    const dead = await startFaultServer();
    const url = dead.url;
    await dead.close();
    c = client(url);
    const err = (await caught(() =>
      c.createWorkspaceIntegration(WS, { integrationName: "slack" }),
    )) as WeavzConnectionError;
    expect(err.causeCode).toBe("ECONNREFUSED");
    expect(err.attempts).toBe(1);
    expect(err.createOutcome).toBe("not_created");
    expect(err.message).toMatch(/never reached the server.*NOT created.*safe to retry/);
  });

  it("a definite 4xx is not reconciled", async () => {
    c = client(upstream.up.url);
    upstream.up.sequence(json(409, { error: "alias taken", code: "DUPLICATE" }));
    const err = (await caught(() =>
      c.createWorkspaceIntegration(WS, { integrationName: "slack" }),
    )) as WeavzApiError;
    expect(err.code).toBe("DUPLICATE");
    expect(err.createOutcome).toBeUndefined();
    expect(upstream.up.requests).toHaveLength(1);
  });

  it("the reconciled item keeps list-only fields", async () => {
    c = client(upstream.up.url);
    statefulUpstream({ create: true, fault: "reset" });
    const out = await c.createWorkspaceIntegration(WS, { integrationName: "slack" });
    expect(out.integration).toMatchObject({
      ...integration({ id: "wi_new" }),
      connectionStatus: "ACTIVE",
    });
  });
});
