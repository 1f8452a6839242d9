// The built CLI over stdio, as a client launches it: the views come from dist/apps beside the
// bundle, and WEAVZ_APPS=false turns every link off. A v2 client that declares the UI
// extension; the embedded local API on a temporary database.
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { RESOURCE_MIME_TYPE } from "@modelcontextprotocol/ext-apps/server";
import { describe, expect, it } from "vitest";
import { cliStdio, tempDir, useCliProcesses } from "../helpers/cli.js";
import { UI_CAPS } from "./helpers.js";

useCliProcesses();

async function connect(env: Record<string, string>) {
  const client = new Client({ name: "apps-host", version: "1" }, { capabilities: UI_CAPS });
  await client.connect(
    new StdioClientTransport(
      cliStdio({ WEAVZ_LOCAL_DB: join(tempDir("weavz-apps-"), "local.db"), ...env }),
    ),
  );
  return client;
}

describe("weavz-mcp over stdio with a host that renders Apps", () => {
  it("links the views and serves them from the build", async () => {
    const client = await connect({});
    try {
      const tools = (await client.listTools()).tools;
      expect(tools.find((t) => t.name === "list_workspace_integrations")?._meta).toMatchObject({
        ui: { resourceUri: "ui://weavz/workspace" },
      });
      const read = await client.readResource({ uri: "ui://weavz/plan" });
      const [content] = read.contents as { mimeType: string; text: string }[];
      expect(content?.mimeType).toBe(RESOURCE_MIME_TYPE);
      expect(content?.text).toContain('<body data-view="plan">');
    } finally {
      await client.close();
    }
  });

  it("WEAVZ_APPS=false: no links, no views", async () => {
    const client = await connect({ WEAVZ_APPS: "false" });
    try {
      const tools = (await client.listTools()).tools;
      expect(tools.some((t) => t._meta !== undefined)).toBe(false);
      await expect(client.readResource({ uri: "ui://weavz/plan" })).rejects.toThrow(
        /Unknown resource/,
      );
    } finally {
      await client.close();
    }
  });
});
