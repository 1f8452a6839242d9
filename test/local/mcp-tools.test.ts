import { describe, expect, it } from "vitest";
import {
  deriveMcpTools,
  stableToolId,
  type ToolSourceIntegration,
} from "../../src/local/mcp-tools.js";

const ACTIONS: Record<string, string[]> = {
  "kv-store": ["put", "get", "delete"],
  slack: ["send_channel_message", "list_channels"],
};
const actions = (name: string) => ACTIONS[name];

function wi(over: Partial<ToolSourceIntegration> & { id: string }): ToolSourceIntegration {
  return {
    integrationName: "kv-store",
    alias: over.id,
    enabledActions: null,
    sortOrder: 0,
    createdAt: "2026-01-01T00:00:00.000Z",
    ...over,
  };
}

describe("deriveMcpTools", () => {
  it("TOOLS: one {alias}__{action} tool per enabled action, ordered by (sortOrder, createdAt)", () => {
    const tools = deriveMcpTools(
      { id: "srv", mode: "TOOLS" },
      [
        wi({ id: "b", alias: "team_slack", integrationName: "slack", sortOrder: 1 }),
        wi({
          id: "a",
          alias: "kv",
          enabledActions: ["get", "put"],
          sortOrder: 1,
          createdAt: "2025-12-31T00:00:00.000Z",
        }),
        wi({ id: "c", alias: "first", sortOrder: 0 }),
      ],
      actions,
    );
    expect(tools.map((t) => t.name)).toEqual([
      "first__put",
      "first__get",
      "first__delete",
      "kv__get",
      "kv__put",
      "team_slack__send_channel_message",
      "team_slack__list_channels",
    ]);
    expect(tools.map((t) => t.sortOrder)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(tools[3]).toEqual({
      id: stableToolId("srv", "a", "get"),
      mcpServerId: "srv",
      name: "kv__get",
      integrationName: "kv-store",
      integrationAlias: "kv",
      actionName: "get",
      toolType: "ACTION",
      sourceWorkspaceIntegrationId: "a",
      sortOrder: 3,
    });
  });

  it("ids are stable UUID-formatted values: same inputs, same id; alias does not change it", () => {
    const one = deriveMcpTools(
      { id: "srv", mode: "TOOLS" },
      [wi({ id: "x", alias: "a" })],
      actions,
    );
    const two = deriveMcpTools(
      { id: "srv", mode: "TOOLS" },
      [wi({ id: "x", alias: "b" })],
      actions,
    );
    expect(one.map((t) => t.id)).toEqual(two.map((t) => t.id));
    expect(one[0]?.id).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(new Set(one.map((t) => t.id)).size).toBe(one.length);
    const other = deriveMcpTools({ id: "srv2", mode: "TOOLS" }, [wi({ id: "x" })], actions);
    expect(other[0]?.id).not.toBe(one[0]?.id);
  });

  it("ties keep input order; unknown integrations without enabledActions give no tools", () => {
    const tools = deriveMcpTools(
      { id: "s", mode: "TOOLS" },
      [
        wi({ id: "z", alias: "z", enabledActions: ["get"] }),
        wi({ id: "gone", integrationName: "not-in-catalog" }),
        wi({ id: "y", alias: "y", enabledActions: ["put"] }),
      ],
      actions,
    );
    expect(tools.map((t) => t.name)).toEqual(["z__get", "y__put"]);
  });

  it("CODE: exactly the three meta tools, integration fields null", () => {
    const tools = deriveMcpTools({ id: "srv", mode: "CODE" }, [wi({ id: "a" })], actions);
    expect(tools.map((t) => [t.name, t.toolType, t.sortOrder])).toEqual([
      ["weavz_search", "CODE", 0],
      ["weavz_read_api", "CODE", 1],
      ["weavz_execute", "CODE", 2],
    ]);
    for (const t of tools) {
      expect(t).toMatchObject({
        mcpServerId: "srv",
        integrationName: null,
        integrationAlias: null,
        actionName: null,
        sourceWorkspaceIntegrationId: null,
      });
    }
    expect(deriveMcpTools({ id: "srv", mode: "CODE" }, [], actions).map((t) => t.id)).toEqual(
      tools.map((t) => t.id),
    );
  });
});
