// MCP Apps at the protocol level: our real server over HTTP on the real local API, driven by
// SDK v2 clients that do or do not declare the io.modelcontextprotocol/ui extension, in both
// protocol eras. The views are linked only for a host that renders them; every other client
// sees exactly the tools, resources and results it always did.
import { RESOURCE_MIME_TYPE, RESOURCE_URI_META_KEY } from "@modelcontextprotocol/ext-apps/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { planView } from "../../src/apps-view/plan-model.js";
import { DEFAULT_TOOLSETS } from "../../src/toolsets.js";
import { DEMO_WS } from "../helpers/mcp.js";
import { type Era, startAppsServer } from "./helpers.js";

const PLAN = "ui://weavz/plan";
const WORKSPACE = "ui://weavz/workspace";
const HELPER = "app_decide_change";
const LINKED: Record<string, string> = {
  plan_workspace: PLAN,
  apply_workspace_plan: PLAN,
  delete_workspace_integration: PLAN,
  list_workspace_integrations: WORKSPACE,
  get_mcp_server: WORKSPACE,
};

type Result = { isError?: boolean; content: any[]; structuredContent?: any; _meta?: any };

describe.each<Era>(["2025-11-25", "2026-07-28"])("MCP Apps over HTTP (%s)", (era) => {
  let srv: Awaited<ReturnType<typeof startAppsServer>>;
  beforeAll(async () => {
    srv = await startAppsServer();
  });
  afterAll(() => srv.close());

  it("links the tools and lists the app-only helper only for a host that renders Apps", async () => {
    const ui = await srv.connect(true, era);
    const text = await srv.connect(false, era);
    const withApps = (await ui.listTools()).tools;
    const without = (await text.listTools()).tools;
    for (const [name, uri] of Object.entries(LINKED)) {
      const t = withApps.find((x) => x.name === name);
      expect(t?._meta, name).toMatchObject({
        ui: { resourceUri: uri },
        [RESOURCE_URI_META_KEY]: uri,
      });
    }
    const helper = withApps.find((t) => t.name === HELPER);
    expect(helper?._meta).toMatchObject({ ui: { resourceUri: PLAN, visibility: ["app"] } });
    // Unlinked tools are as they were; the plain client's list is the list without links.
    expect(withApps.find((t) => t.name === "list_workspaces")?._meta).toBeUndefined();
    expect(without.some((t) => t._meta !== undefined)).toBe(false);
    expect(without.map((t) => t.name)).not.toContain(HELPER);
    const stripped = withApps.filter((t) => t.name !== HELPER).map(({ _meta, ...rest }) => rest);
    expect(stripped).toEqual(without);
  });

  it("lists and serves both views as self-contained HTML with a restrictive CSP", async () => {
    const ui = await srv.connect(true, era);
    const { resources } = await ui.listResources();
    for (const uri of [PLAN, WORKSPACE]) {
      const listed = resources.find((r) => r.uri === uri);
      expect(listed).toMatchObject({ mimeType: RESOURCE_MIME_TYPE });
      expect(listed?._meta).toMatchObject({
        ui: { csp: { connectDomains: [], resourceDomains: [] } },
      });
      const read = await ui.readResource({ uri });
      const [content] = read.contents as any[];
      expect(content).toMatchObject({ uri, mimeType: RESOURCE_MIME_TYPE });
      expect(content._meta.ui.csp).toEqual({
        connectDomains: [],
        resourceDomains: [],
        frameDomains: [],
        baseUriDomains: [],
      });
      const html: string = content.text;
      expect(html.startsWith("<!doctype html>")).toBe(true);
      // Everything inline: no external script, style sheet, image or frame to fetch.
      expect(html).not.toMatch(/<(script|img|iframe|link)\b[^>]*\s(src|href)=/i);
      expect(html).toMatch(
        /Content-Security-Policy" content="default-src 'none'; script-src 'sha256-[A-Za-z0-9+/=]+'; [^"]*connect-src 'none'/,
      );
      expect(html.match(/<script>/g)).toHaveLength(1);
    }
    // A client that does not render Apps is not offered the views.
    const text = await srv.connect(false, era);
    const plain = (await text.listResources()).resources.map((r) => r.uri);
    expect(plain.some((u) => u.startsWith("ui://"))).toBe(false);
  });

  it("keeps results as they were and adds the review's data under _meta only", async () => {
    const ui = await srv.connect(true, era);
    const text = await srv.connect(false, era);
    const alias = `kv_same_${era.slice(0, 4)}`;
    await ui.callTool({
      name: "create_workspace_integration",
      arguments: { workspaceId: DEMO_WS, integrationName: "kv-store", alias },
    });
    const args = { workspaceId: DEMO_WS, alias };
    const a = (await ui.callTool({
      name: "delete_workspace_integration",
      arguments: args,
    })) as Result;
    const b = (await text.callTool({
      name: "delete_workspace_integration",
      arguments: args,
    })) as Result;
    expect(a.structuredContent.confirm).toEqual(expect.any(String));
    expect(a._meta?.["weavz/view"]).toEqual({
      tool: "delete_workspace_integration",
      arguments: args,
    });
    expect(b._meta?.["weavz/view"]).toBeUndefined();
    // Same content and data, tokens and fence ids aside (each preview mints its own).
    const norm = (r: Result) =>
      JSON.stringify({ c: r.content, s: r.structuredContent })
        .split(r.structuredContent.confirm)
        .join("T")
        .split(r.structuredContent.expiresAt)
        .join("E")
        .replace(/data-[0-9a-f]{12}/g, "data-X");
    expect(norm(a)).toBe(norm(b));
  });

  it("Approve through the helper applies once; Cancel changes nothing and voids the token", async () => {
    const ui = await srv.connect(true, era);
    const call = async (name: string, args: Record<string, unknown>) =>
      (await ui.callTool({ name, arguments: args })) as Result;
    const aliases = async () =>
      (
        await call("list_workspace_integrations", { workspaceId: DEMO_WS })
      ).structuredContent.integrations.map((i: any) => i.alias);
    await call("create_workspace_integration", {
      workspaceId: DEMO_WS,
      integrationName: "kv-store",
      alias: `kv_cancel_${era.slice(0, 4)}`,
    });
    const target = { workspaceId: DEMO_WS, alias: `kv_cancel_${era.slice(0, 4)}` };
    // Cancel: nothing changes, and the token can no longer confirm it (not even by a model).
    const preview = await call("delete_workspace_integration", target);
    const token = preview.structuredContent.confirm;
    const cancelled = await call(HELPER, {
      tool: "delete_workspace_integration",
      arguments: { ...target, confirm: token },
      decision: "cancel",
    });
    expect(cancelled.isError).toBeFalsy();
    expect(cancelled.structuredContent).toEqual({
      cancelled: true,
      tool: "delete_workspace_integration",
      tokenVoided: true,
    });
    expect(await aliases()).toContain(target.alias);
    const echoed = await call("delete_workspace_integration", { ...target, confirm: token });
    expect(echoed.isError).toBe(true);
    expect(echoed.content[0].text).toMatch(
      /CONFIRMATION_REFUSED: The confirm token was already used/,
    );
    expect(await aliases()).toContain(target.alias);
    // Approve: the same tool with the token, through the same gate.
    const again = await call("delete_workspace_integration", target);
    const approved = await call(HELPER, {
      tool: "delete_workspace_integration",
      arguments: { ...target, confirm: again.structuredContent.confirm },
      decision: "approve",
    });
    expect(approved.isError, approved.content[0].text).toBeFalsy();
    expect(approved.structuredContent).toMatchObject({ deleted: true });
    expect(await aliases()).not.toContain(target.alias);
    // The token stays the guard: a second Approve with it is refused.
    const twice = await call(HELPER, {
      tool: "delete_workspace_integration",
      arguments: { ...target, confirm: again.structuredContent.confirm },
      decision: "approve",
    });
    expect(twice.isError).toBe(true);
    // Without a token, or for a tool with no preview, the helper refuses.
    for (const bad of [
      { tool: "delete_workspace_integration", arguments: target, decision: "approve" },
      { tool: "list_workspaces", arguments: { confirm: "x" }, decision: "approve" },
    ]) {
      const r = await call(HELPER, bad);
      expect(r.isError).toBe(true);
    }
  });

  it("links undo_change: its preview carries the review's data, and Approve undoes", async () => {
    const ui = await srv.connect(true, era);
    const call = async (name: string, args: Record<string, unknown>) =>
      (await ui.callTool({ name, arguments: args })) as Result;
    const tools = (await ui.listTools()).tools;
    expect(tools.find((t) => t.name === "undo_change")?._meta).toMatchObject({
      ui: { resourceUri: PLAN },
    });
    const alias = `kv_undo_${era.slice(0, 4)}`;
    await call("create_workspace_integration", {
      workspaceId: DEMO_WS,
      integrationName: "kv-store",
      alias,
    });
    const changes = await call("list_changes", { workspaceId: DEMO_WS, integration: alias });
    const changeId = changes.structuredContent.changes[0]?.id as string;
    const preview = await call("undo_change", { changeId });
    expect(preview.structuredContent.status, preview.content[0].text).toBe("not_confirmed");
    expect(preview._meta?.["weavz/view"]).toEqual({ tool: "undo_change", arguments: { changeId } });
    // The review reads the real preview: one destructive delete step, and Approve.
    const review = planView(preview as never);
    expect(review.steps.map((x) => [x.kind, x.alias, x.destructive])).toEqual([
      ["delete", alias, true],
    ]);
    expect(review.confirm).toMatchObject({ tool: "undo_change", arguments: { changeId } });
    const undone = await call(HELPER, {
      tool: "undo_change",
      arguments: { changeId, confirm: preview.structuredContent.confirm },
      decision: "approve",
    });
    expect(undone.isError, undone.content[0].text).toBeFalsy();
    expect(undone.structuredContent.status).toBe("applied");
    const left = await call("list_workspace_integrations", { workspaceId: DEMO_WS, limit: 100 });
    expect(left.structuredContent.integrations.map((i: any) => i.alias)).not.toContain(alias);
  });

  it("does not offer the helper to a client that does not render Apps", async () => {
    const text = await srv.connect(false, era);
    const r = (await text.callTool({
      name: HELPER,
      arguments: {
        tool: "delete_workspace_integration",
        arguments: { confirm: "x" },
        decision: "approve",
      },
    })) as Result;
    expect(r.isError).toBe(true);
    expect(r.content[0].text).toMatch(/UNKNOWN_TOOL/);
  });
});

describe("--apps false", () => {
  let srv: Awaited<ReturnType<typeof startAppsServer>>;
  beforeAll(async () => {
    srv = await startAppsServer({ apps: false });
  });
  afterAll(() => srv.close());

  it("links nothing, lists no views and no helper, even for a host that renders Apps", async () => {
    const ui = await srv.connect(true);
    const tools = (await ui.listTools()).tools;
    expect(tools.some((t) => t._meta !== undefined)).toBe(false);
    expect(tools.map((t) => t.name)).not.toContain(HELPER);
    const uris = (await ui.listResources()).resources.map((r) => r.uri);
    expect(uris.some((u) => u.startsWith("ui://"))).toBe(false);
    await expect(ui.readResource({ uri: PLAN })).rejects.toThrow(/Unknown resource/);
    const r = (await ui.callTool({
      name: "delete_workspace_integration",
      arguments: { workspaceId: DEMO_WS, alias: "slack" },
    })) as Result;
    expect(r._meta?.["weavz/view"]).toBeUndefined();
  });
});

describe("tools/list size for a host that renders Apps", () => {
  it("shows the model exactly the default list; links and the helper ride along on the wire", async () => {
    const srv = await startAppsServer({ toolsets: DEFAULT_TOOLSETS });
    try {
      const ui = await srv.connect(true);
      const text = await srv.connect(false);
      const withApps = (await ui.listTools()).tools;
      const without = (await text.listTools()).tools;
      const bytes = (tools: unknown[]) => Buffer.byteLength(JSON.stringify(tools));
      // What a host that honours visibility hands its model: no app-only tool, no _meta.
      const modelSees = withApps
        .filter((t) => (t._meta?.ui as any)?.visibility?.includes("model") !== false)
        .map(({ _meta, ...rest }) => rest);
      console.log(
        `tools/list bytes: ${bytes(without)} without Apps; with Apps ${bytes(withApps)} on the wire, ${bytes(modelSees)} for the model`,
      );
      expect(modelSees).toEqual(without);
      // The budget of the default list itself is test/e2e/stdio.test.ts's to hold.
    } finally {
      await srv.close();
    }
  });
});
