/**
 * Issue 23.4: malformed completion/complete and resources/subscribe params get -32602 and one
 * sentence (not -32603 and a validation dump); completion values are capped; a 2025 client
 * that declared elicitation but keeps no GET stream is asked on the tools/call's own stream at
 * once (it waited 300 s for a stream it never opened). SDK client in memory for the first,
 * raw Streamable HTTP (undici) for the last, against our real server and local API.
 */
import { McpError, ResultSchema } from "@modelcontextprotocol/sdk/types.js";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWeavzClient } from "../../src/api/client.js";
import { silentLogger } from "../../src/log.js";
import { createServerFactory } from "../../src/mcp/server.js";
import { MCP_POST_HEADERS } from "../helpers/jsonrpc.js";
import { startTestLocalApi } from "../helpers/local-api.js";
import { DEMO_WS, serveOverHttp, setup } from "../helpers/mcp.js";

describe("malformed params and oversized completion values", () => {
  let env: Awaited<ReturnType<typeof setup>>;
  beforeAll(async () => {
    env = await setup();
  });
  afterAll(() => env.close());
  const send = async (method: string, params: unknown) => {
    try {
      await env.client.request({ method, params } as never, ResultSchema);
      return undefined;
    } catch (err) {
      return err as McpError;
    }
  };

  it("answers -32602 with one sentence, no dump", async () => {
    const cases: Array<[string, unknown]> = [
      ["completion/complete", { ref: { type: "ref/prompt" }, argument: { name: 5 } }],
      ["completion/complete", { argument: { name: "x", value: "y" } }],
      ["resources/subscribe", { uri: 5 }],
      ["resources/subscribe", {}],
      ["resources/unsubscribe", { uri: ["x"] }],
    ];
    for (const [method, params] of cases) {
      const err = await send(method, params);
      expect(err, method).toBeInstanceOf(McpError);
      expect(err?.code, `${method} ${JSON.stringify(params)}`).toBe(-32602);
      const text = err?.message.replace(/^MCP error -32602: /, "") ?? "";
      expect(text).not.toMatch(/\[\s*\{|"code":|"path":/);
      expect(text.split("\n")).toHaveLength(1);
      expect(text.length).toBeLessThan(300);
    }
  });

  it("refuses a completion value longer than 200 characters, and serves one of 200", async () => {
    const ref = { type: "ref/resource", uri: "weavz://workspaces/{workspaceId}/integrations" };
    const long = await send("completion/complete", {
      ref,
      argument: { name: "workspaceId", value: "x".repeat(900_000) },
    });
    expect(long?.code).toBe(-32602);
    expect(long?.message).toMatch(/at most 200/);
    const ok = await env.client.complete({
      ref: ref as never,
      argument: { name: "workspaceId", value: "a".repeat(200) },
    });
    expect(ok.completion.values).toEqual([]);
  });
});

describe("2025 elicitation without a GET stream", () => {
  it("asks on the tools/call's own stream, and deletes once accepted", async () => {
    const local = await startTestLocalApi({ demo: true });
    const api = createWeavzClient({ baseUrl: local.url, apiKey: local.apiKey, log: silentLogger });
    await api.createWorkspaceIntegration(DEMO_WS, { integrationName: "kv-store", alias: "kv" });
    const http = await serveOverHttp(createServerFactory({ api, log: silentLogger }));
    try {
      const h = { ...MCP_POST_HEADERS, "mcp-protocol-version": "2025-11-25" };
      const post = (body: unknown, session?: string) =>
        request(http.url, {
          method: "POST",
          headers: session ? { ...h, "mcp-session-id": session } : h,
          body: JSON.stringify(body),
        });
      const init = await post({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: {
          protocolVersion: "2025-11-25",
          capabilities: { elicitation: {} },
          clientInfo: { name: "no-get-stream", version: "1" },
        },
      });
      const session = init.headers["mcp-session-id"] as string;
      await init.body.text();
      await (
        await post({ jsonrpc: "2.0", method: "notifications/initialized" }, session)
      ).body.text();
      // No GET stream is ever opened. The call's response stream must carry the question.
      const call = await post(
        {
          jsonrpc: "2.0",
          id: 2,
          method: "tools/call",
          params: {
            name: "delete_workspace_integration",
            arguments: { workspaceId: DEMO_WS, alias: "kv" },
          },
        },
        session,
      );
      let buffer = "";
      let result: any;
      for await (const chunk of call.body) {
        buffer += chunk.toString();
        let end = buffer.indexOf("\n\n");
        while (end >= 0) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf("\n\n");
          const data = event
            .split("\n")
            .filter((l) => l.startsWith("data:"))
            .map((l) => l.slice(5).trim())
            .join("");
          if (!data) continue;
          const msg = JSON.parse(data);
          if (msg.method === "elicitation/create") {
            expect(msg.params.message).toMatch(/kv/);
            const answer = await post(
              {
                jsonrpc: "2.0",
                id: msg.id,
                result: { action: "accept", content: { confirm: true } },
              },
              session,
            );
            expect(answer.statusCode).toBe(202);
            await answer.body.text();
          } else if (msg.id === 2) result = msg.result;
        }
        if (result) break;
      }
      expect(result?.isError, JSON.stringify(result)).toBeFalsy();
      expect(result?.structuredContent).toMatchObject({ deleted: true });
      expect((await api.listWorkspaceIntegrations(DEMO_WS)).integrations).toEqual([]);
    } finally {
      await http.close();
      await api.close();
      await local.close();
    }
  });
});

describe("an empty integration list says why and what next (issue 23.8 wording)", () => {
  it("no integrations, none matching, and an offset past the end", async () => {
    const env = await setup();
    try {
      const empty = await env.call("list_workspace_integrations", { workspaceId: DEMO_WS });
      expect(env.text(empty)).toMatch(
        /has no integrations yet; add one with create_workspace_integration/,
      );
      expect(env.text(empty)).not.toMatch(/none of 0/);
      await env.call("create_workspace_integration", {
        workspaceId: DEMO_WS,
        integrationName: "kv-store",
        alias: "notes",
      });
      const none = await env.call("list_workspace_integrations", {
        workspaceId: DEMO_WS,
        integrationName: "slack",
      });
      expect(env.text(none)).toMatch(/None of the 1 integration\(s\) .* match these filters/);
      const past = await env.call("list_workspace_integrations", {
        workspaceId: DEMO_WS,
        offset: 5,
      });
      expect(env.text(past)).toMatch(
        /No integrations at offset 5: .* has 1; call again with offset 0/,
      );
    } finally {
      await env.close();
    }
  });
});
