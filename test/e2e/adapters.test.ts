import { join } from "node:path";
import { createMCPClient } from "@ai-sdk/mcp";
import { Experimental_StdioMCPTransport } from "@ai-sdk/mcp/mcp-stdio";
import { convertToOpenAITool } from "@langchain/core/utils/function_calling";
import { MultiServerMCPClient } from "@langchain/mcp-adapters";
import { beforeAll, describe, expect, it } from "vitest";
import { TOOLS } from "../../src/mcp/inventory.js";
import { CLI } from "../helpers/build.js";
import { tempDir, useCliProcesses } from "../helpers/cli.js";
import { DEMO_WS } from "../helpers/mcp.js";

/**
 * Two real agent frameworks load our stdio server and call its tools directly (no model, no
 * network): LangChain's MCP adapters and the Vercel AI SDK's MCP client. Every tool must load
 * and convert, and a create → update (with the documented `settings: null` reset) → delete
 * cycle must pass each one's own client-side argument handling.
 */
describe("real agent frameworks over stdio", () => {
  useCliProcesses();
  let dir: string;
  beforeAll(() => {
    dir = tempDir("weavz-adapters-");
  });
  const env = (db: string, extra: Record<string, string> = {}) => ({
    PATH: process.env.PATH ?? "",
    WEAVZ_LOCAL_DB: join(dir, db),
    WEAVZ_WORKSPACE_ID: DEMO_WS,
    WEAVZ_TOOLSETS: "all",
    WEAVZ_LOG_LEVEL: "warn",
    ...extra,
  });
  const allTools = TOOLS.map((t) => t.name).sort();

  it("LangChain (@langchain/mcp-adapters): every tool converts; create → update(settings: null) → delete", async () => {
    const lc = new MultiServerMCPClient({
      mcpServers: {
        weavz: {
          transport: "stdio",
          command: process.execPath,
          args: [CLI],
          env: env("lc.db", { WEAVZ_RESULT_LINKS: "false" }),
        },
      },
    });
    try {
      const tools = await lc.getTools();
      expect(tools.map((t) => t.name).sort()).toEqual(allTools);
      for (const t of tools) {
        // What an OpenAI-style model would be sent: a function with an object schema.
        const fn = convertToOpenAITool(t).function;
        expect(fn.name, t.name).toBe(t.name);
        expect((fn.parameters as { type?: string }).type, t.name).toBe("object");
      }
      const byName = new Map(tools.map((t) => [t.name, t]));
      const call = async (name: string, args: Record<string, unknown>) => {
        const out = await byName.get(name)?.invoke(args);
        const blocks = (Array.isArray(out) ? out : [out]) as Array<{
          type?: string;
          text?: string;
        }>;
        // With --result-links false no resource_link becomes a file block (LangChain #40475).
        expect(blocks.map((b) => b.type ?? "text")).toEqual(["text"]);
        return blocks.map((b) => b.text ?? String(b)).join("\n");
      };
      expect(
        await call("create_workspace_integration", {
          integrationName: "kv-store",
          alias: "lc_kv",
          settings: { persistence: { scope: "workspace" } },
        }),
      ).toMatch(/Created kv-store as alias "lc_kv"/);
      // Open objects go as objects (LangChain validates arguments against the published
      // schema; these were JSON text published as strings, and it refused the object).
      expect(
        await call("execute_action", {
          integrationName: "kv-store",
          actionName: "add_to_list",
          alias: "lc_kv",
          input: { key: "todo", value: "milk" },
        }),
      ).toMatch(/^Ran kv-store\.add_to_list via "lc_kv"/);
      expect(
        await call("plan_workspace", {
          integrations: {
            lc_kv: {
              integrationName: "kv-store",
              settings: { persistence: { scope: "workspace" } },
            },
          },
        }),
      ).toMatch(/Nothing to apply/);
      const reset = await call("update_workspace_integration", { alias: "lc_kv", settings: null });
      expect(reset).toMatch(/Updated "lc_kv"/);
      expect(reset).toContain('"settings":{}');
      expect(
        await call("update_workspace_integration", { alias: "lc_kv", displayName: null }),
      ).toMatch(/Updated/);
      // No elicitation in these clients: a preview with a token, echoed once the user agrees.
      const preview = await call("delete_workspace_integration", { alias: "lc_kv" });
      expect(preview).toMatch(/needs the user's confirmation/);
      const confirm = /"confirm":"([^"]+)"/.exec(preview)?.[1];
      expect(await call("delete_workspace_integration", { alias: "lc_kv", confirm })).toMatch(
        /Deleted/,
      );
    } finally {
      await lc.close();
    }
  }, 60_000);

  it("Vercel AI SDK (@ai-sdk/mcp): every tool converts; create → update(settings: null) → delete", async () => {
    const ai = await createMCPClient({
      transport: new Experimental_StdioMCPTransport({
        command: process.execPath,
        args: [CLI],
        env: env("ai.db"),
      }),
    });
    try {
      const tools = await ai.tools();
      expect(Object.keys(tools).sort()).toEqual(allTools);
      for (const [name, t] of Object.entries(tools)) {
        const schema = (t.inputSchema as { jsonSchema?: { type?: string } }).jsonSchema;
        expect(schema?.type, name).toBe("object");
      }
      const opts = { toolCallId: "t1", messages: [] };
      const call = async (name: string, args: Record<string, unknown>) => {
        const tool = tools[name] as unknown as {
          execute(a: unknown, o: unknown): Promise<{ isError?: boolean; structuredContent?: any }>;
        };
        const r = await tool.execute(args, opts);
        expect(r.isError, JSON.stringify(r)).toBeFalsy();
        return r.structuredContent;
      };
      const made = await call("create_workspace_integration", {
        integrationName: "kv-store",
        alias: "ai_kv",
        settings: { persistence: { scope: "workspace" } },
      });
      expect(made.integration.settings).toEqual({ persistence: { scope: "workspace" } });
      const ran = await call("execute_action", {
        integrationName: "kv-store",
        actionName: "add_to_list",
        alias: "ai_kv",
        input: { key: "todo", value: "milk" },
      });
      expect(ran.output).toMatchObject({ value: ["milk"] });
      const reset = await call("update_workspace_integration", { alias: "ai_kv", settings: null });
      expect(reset.integration.settings).toEqual({});
      const preview = await call("delete_workspace_integration", { alias: "ai_kv" });
      expect(preview).toMatchObject({ deleted: false, preview: { alias: "ai_kv" } });
      expect(
        await call("delete_workspace_integration", { alias: "ai_kv", confirm: preview.confirm }),
      ).toMatchObject({ deleted: true });
    } finally {
      await ai.close();
    }
  }, 60_000);
});
