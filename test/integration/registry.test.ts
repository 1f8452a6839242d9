import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildToolSet, TOOLS, unavailableToolMessage } from "../../src/mcp/registry.js";
import { DEFAULT_TOOLSETS, TOOLSET_NAMES } from "../../src/mcp/toolsets.js";

const NAMES = [
  "list_workspace_integrations",
  "create_workspace_integration",
  "update_workspace_integration",
  "delete_workspace_integration",
];

describe("tool registry", () => {
  const tools = buildToolSet({ readOnly: false });

  it("has the contract's tool names, each unique, snake_case and at most 32 characters", () => {
    const names = TOOLS.map((t) => t.name);
    for (const n of NAMES) expect(names).toContain(n);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n).toMatch(/^[a-z][a-z0-9_]{0,31}$/);
  });

  it("gives every tool a title, a description and all four annotations", () => {
    for (const t of TOOLS) {
      expect(t.title, t.name).toBeTruthy();
      expect(t.description.length, t.name).toBeGreaterThan(40);
      for (const k of [
        "readOnlyHint",
        "destructiveHint",
        "idempotentHint",
        "openWorldHint",
      ] as const) {
        expect(typeof t.annotations[k], `${t.name}.${k}`).toBe("boolean");
      }
    }
  });

  it("publishes input and output schemas that are plain objects with properties", () => {
    for (const t of tools) {
      for (const [kind, schema] of [
        ["input", t.inputJson],
        ["output", t.outputJson],
      ] as const) {
        const where = `${t.def.name} ${kind}`;
        expect(schema.type, where).toBe("object");
        expect(Object.keys(schema.properties ?? {}).length, where).toBeGreaterThan(0);
        for (const k of ["anyOf", "oneOf", "allOf", "$ref", "$defs", "$schema"]) {
          expect(schema, where).not.toHaveProperty(k);
        }
        expect(JSON.stringify(schema), where).not.toContain('"$ref"');
      }
      // Unknown arguments are rejected, so the schema says so.
      expect(t.inputJson.additionalProperties, t.def.name).toBe(false);
    }
  });

  it("gives every object in an input schema its properties or open values, and nullability as a type list", () => {
    // An object without properties must say `additionalProperties` (true or the values'
    // schema): the AI SDK's Gemini conversion drops it otherwise, and LangChain validates
    // arguments against it (JSON text published as a string made it refuse objects).
    // LangChain's adapters drop the null branch of an anyOf (so `settings: null` would be refused).
    const walk = (node: unknown, where: string): void => {
      if (!node || typeof node !== "object") return;
      const n = node as Record<string, unknown>;
      const types = Array.isArray(n.type) ? n.type : [n.type];
      if (types.includes("object") && Object.keys((n.properties as object) ?? {}).length === 0)
        expect(n.additionalProperties, where).toBeTruthy();
      expect(n, where).not.toHaveProperty("anyOf");
      expect(n, where).not.toHaveProperty("contentMediaType");
      for (const [k, v] of Object.entries(n)) {
        if (k === "properties")
          for (const [p, c] of Object.entries(v as object)) walk(c, `${where}.${p}`);
        else if (k === "items") walk(v, `${where}[]`);
        else if (k === "additionalProperties") walk(v, `${where}{}`);
      }
    };
    for (const t of buildToolSet({ readOnly: false })) walk(t.inputJson, t.def.name);
    const update = tools.find((t) => t.def.name === "update_workspace_integration");
    const settings = (update?.inputJson.properties as Record<string, any> | undefined)?.settings;
    expect(settings.type).toEqual(["object", "null"]);
    expect(settings.properties.localBrowser).toMatchObject({
      type: "object",
      additionalProperties: true,
    });
    const input = (k: string) =>
      tools.find((t) => t.def.name === k)?.inputJson.properties as Record<string, any>;
    expect(input("execute_action").input).toMatchObject({
      type: "object",
      additionalProperties: true,
    });
    // The plan's integrations, keyed by alias: each value's fields are published.
    expect(input("plan_workspace").integrations.additionalProperties.properties).toHaveProperty(
      "integrationName",
    );
  });

  it("mirrors the spec's fields, enums and ranges in the create schema", () => {
    const create = tools.find((t) => t.def.name === "create_workspace_integration");
    const props = create?.inputJson.properties as Record<string, any>;
    expect(Object.keys(props).sort()).toEqual(
      [
        "workspaceId",
        "integrationName",
        "alias",
        "connectionStrategy",
        "connectionId",
        "displayName",
        "enabledActions",
        "settings",
        "sortOrder",
      ].sort(),
    );
    expect(props.connectionStrategy.enum).toEqual(["fixed", "per_user", "per_user_with_fallback"]);
    expect(props.connectionStrategy.default).toBe("fixed");
    expect(create?.inputJson.required).toEqual(["integrationName"]);
    const timeout = props.settings.properties.advancedCode.properties.timeoutSeconds;
    expect([timeout.minimum, timeout.maximum, timeout.default]).toEqual([1, 60, 30]);
    expect(props.settings.properties.persistence.properties.scope.enum).toEqual([
      "end_user",
      "workspace",
      "external",
    ]);
  });

  it("keeps read-only mode to tools that change nothing", () => {
    const ro = buildToolSet({ readOnly: true }).map((t) => t.def.name);
    expect(ro).toContain("list_workspace_integrations");
    expect(ro).not.toContain("create_workspace_integration");
    expect(ro).not.toContain("delete_workspace_integration");
  });

  it("puts every tool in a known toolset and filters by toolsets alongside read-only", () => {
    for (const t of TOOLS) expect(TOOLSET_NAMES, t.name).toContain(t.toolset);
    // Every toolset holds a tool.
    const used = new Set(TOOLS.map((t) => t.toolset));
    for (const n of TOOLSET_NAMES) expect([...used]).toContain(n);
    const names = (f: Parameters<typeof buildToolSet>[0]) => buildToolSet(f).map((t) => t.def.name);
    expect(names({ readOnly: false, toolsets: ["catalog"] })).toEqual([
      "search_catalog",
      "get_catalog_integration",
    ]);
    const integrationsRo = names({ readOnly: true, toolsets: ["integrations"] });
    expect(integrationsRo).toEqual(["list_workspace_integrations", "list_workspaces"]);
    const defaults = names({ readOnly: false, toolsets: DEFAULT_TOOLSETS });
    expect(defaults).toContain("create_workspace_integration");
    expect(defaults).not.toContain("plan_workspace");
  });

  it("tells the model how to reach a tool its toolsets or read-only mode hide", () => {
    const catalogOnly = buildToolSet({ readOnly: false, toolsets: ["catalog"] });
    expect(unavailableToolMessage("list_connections", catalogOnly)).toMatch(
      /"list_connections" is in the "connections" toolset.*--toolsets or WEAVZ_TOOLSETS.*Available: search_catalog, get_catalog_integration/,
    );
    const ro = buildToolSet({ readOnly: true });
    expect(unavailableToolMessage("delete_workspace_integration", ro)).toMatch(/read-only/);
    expect(unavailableToolMessage("nope", ro)).toMatch(/^Unknown tool "nope"/);
  });

  it("matches the schema snapshot of every tool", async () => {
    const snapshot = Object.fromEntries(
      tools.map((t) => [
        t.def.name,
        {
          title: t.def.title,
          toolset: t.def.toolset,
          annotations: t.def.annotations,
          input: t.inputJson,
          output: t.outputJson,
        },
      ]),
    );
    await expect(JSON.stringify(snapshot, null, 2)).toMatchFileSnapshot(
      "../snapshots/tool-schemas.json",
    );
  });
});

describe("layering", () => {
  // The seams of the design: domain knows nothing of HTTP or MCP, the API client nothing of
  // MCP, tools nothing of undici, the local server nothing of the MCP server.
  const rules: Array<[string, RegExp]> = [
    [
      "src/domain",
      /^(\.\.\/(api|mcp|transports|local)\/|undici|@modelcontextprotocol|node:http|better-sqlite3)/,
    ],
    ["src/api", /^(\.\.\/(mcp|transports|local)\/|@modelcontextprotocol|better-sqlite3)/],
    ["src/mcp", /^((\.\.\/)+(transports|local|backend|config)|undici|node:http|better-sqlite3)/],
    // local/mcp-endpoint serves MCP itself: it may use the SDK v2 server packages, never
    // our MCP server (src/mcp) nor the v1 SDK.
    ["src/local", /^((\.\.\/)+(mcp|api|transports)\/|@modelcontextprotocol\/(?!server$)|undici)/],
  ];
  // The http built-in of the local API exists to make outbound requests: undici is its tool.
  const exceptions: Record<string, RegExp> = {
    [join("src", "local", "execute", "builtins", "http.ts")]: /^undici$/,
    // ...and its connection guard pins each socket to the address it checked, in undici's connector.
    [join("src", "local", "execute", "net-guard.ts")]: /^undici$/,
  };
  it.each(rules)("%s imports only what its layer may know", async (dir, forbidden) => {
    const { readdirSync, statSync } = await import("node:fs");
    const { join } = await import("node:path");
    const files: string[] = [];
    const walk = (d: string) => {
      for (const f of readdirSync(d)) {
        const p = join(d, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith(".ts")) files.push(p);
      }
    };
    walk(dir);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const specifiers = [
        ...readFileSync(f, "utf8").matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^import\s+)"([^"]+)"/gm),
      ].map((m) => m[1] as string);
      const bad = specifiers.filter(
        (s) =>
          (forbidden.test(s) && !exceptions[f]?.test(s)) ||
          // Only the endpoint module speaks MCP inside the local API.
          (dir === "src/local" &&
            s.startsWith("@modelcontextprotocol/") &&
            !f.includes(`${join("src", "local", "mcp-endpoint")}`)),
      );
      expect(bad, f).toEqual([]);
    }
  });
});
