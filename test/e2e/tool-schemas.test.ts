import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { describe, expect, it } from "vitest";
import { CONFORMANCE_FIXTURE_TOOLS } from "../../src/mcp/fixtures/index.js";
import { TOOLS, toolJsonSchemas } from "../../src/mcp/inventory.js";
import { cliStdio, tempDir, useCliProcesses } from "../helpers/cli.js";

/**
 * The package build converts the tools' zod schemas to JSON Schema ahead of time
 * (scripts/tool-schemas.mjs) so a start does not. What the built server lists must be exactly
 * what the server's own conversion makes from src/ at start, for every tool it can serve.
 */
describe("tool schemas converted at build time", () => {
  useCliProcesses();

  it("the built CLI lists, for every tool and fixture, the schemas src/ converts", async () => {
    const dir = tempDir("weavz-tool-schemas-");
    const transport = new StdioClientTransport(
      cliStdio({
        WEAVZ_LOCAL_DB: join(dir, "a.db"),
        WEAVZ_TOOLSETS: "all",
        WEAVZ_CONFORMANCE_FIXTURES: "1",
      }),
    );
    const client = new Client({ name: "tool-schemas-test", version: "1" });
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      const defs = [...TOOLS, ...CONFORMANCE_FIXTURE_TOOLS];
      expect(tools.map((t) => t.name).sort()).toEqual(defs.map((d) => d.name).sort());
      for (const def of defs) {
        const listed = tools.find((t) => t.name === def.name);
        const converted = toolJsonSchemas(def);
        expect({ name: def.name, input: listed?.inputSchema }).toEqual({
          name: def.name,
          input: converted.input,
        });
        expect({ name: def.name, output: listed?.outputSchema }).toEqual({
          name: def.name,
          output: converted.output,
        });
      }
    } finally {
      await client.close();
    }
  });
});
