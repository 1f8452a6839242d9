import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { describe, expect, it } from "vitest";
import { buildToolSet, TOOLS, unavailableToolMessage } from "../../src/mcp/inventory.js";
import { DEFAULT_TOOLSETS, TOOLSET_NAMES } from "../../src/toolsets.js";

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
  // The seams of the design, for every folder of src/. Each import is resolved to the file it
  // names; the rule is where that file lives, so a relative path cannot sneak past a regex.
  //   app        wiring: the only folder that reads Config (and may import anything)
  //   host       how MCP is served: the SDK and node: only, nothing of weavz
  //   transports weavz's thin adapters between the MCP layer and the host (+ auth hooks)
  //   mcp        what is served: never the host, the transports, the local API or the wiring
  //   scale      Redis implementations of ports the MCP layer declares
  //   api        the REST client: nothing of MCP
  //   domain     schemas and rules: nothing of HTTP or MCP
  //   local      the local Weavz API: the domain only (and the host for its MCP endpoints)
  //   journal    the change journal's own stores for hosted mode (SQLite file; Redis in scale)
  //   apps-view  the MCP Apps views' browser code: nothing of the server
  //   dashboard  the browser dashboard: reads through the API client and the change hub, as the
  //              tools do; its wiring from Config lives in src/app (dashboard-wire.ts)
  // "util" is the top-level log.ts, mask.ts and version.ts; "data" the repository's data/.
  const SRC = join(process.cwd(), "src");
  type Room =
    | "app"
    | "host"
    | "transports"
    | "mcp"
    | "scale"
    | "api"
    | "domain"
    | "local"
    | "journal"
    | "apps-view"
    | "dashboard"
    | "util"
    | "data"
    | "entry";
  const may: Record<Exclude<Room, "util" | "data">, readonly Room[]> = {
    entry: ["app", "util"],
    app: [
      "app",
      "host",
      "transports",
      "mcp",
      "scale",
      "api",
      "domain",
      "local",
      "journal",
      "dashboard",
      "util",
      "data",
    ],
    host: ["host"],
    transports: ["transports", "host", "mcp", "util"],
    mcp: ["mcp", "api", "domain", "util", "data"],
    scale: ["scale", "mcp", "domain", "util"],
    api: ["api", "domain", "util"],
    domain: ["domain", "data"],
    local: ["local", "domain", "util", "data"],
    journal: ["journal", "domain", "local", "util"],
    "apps-view": ["apps-view"],
    dashboard: ["dashboard", "api", "domain", "mcp", "host", "transports", "util", "data"],
  };
  /** Packages a room may not use (the host's rule is an allowlist: see below). */
  const forbiddenPackages: Partial<Record<Room, RegExp>> = {
    domain: /^(undici|@modelcontextprotocol|node:http|better-sqlite3|hono)/,
    api: /^(@modelcontextprotocol|better-sqlite3|hono)/,
    mcp: /^(undici|node:http|better-sqlite3|hono|@modelcontextprotocol\/(node|sdk))/,
    // The local API speaks MCP only through its endpoint module (the SDK v2 server package).
    local: /^(@modelcontextprotocol\/(?!server$)|undici)/,
    // Browser code: the MCP Apps SDK only.
    "apps-view": /^(?!@modelcontextprotocol\/ext-apps)/,
  };
  /** Imports the rules allow on purpose, each with its reason. */
  const exceptions: Array<[file: string, target: RegExp, why: string]> = [
    // The http built-in of the local API exists to make outbound requests: undici is its tool.
    [join("src", "local", "execute", "builtins", "http.ts"), /^undici$/, "outbound HTTP built-in"],
    // The sandbox's outbound network guard is an undici dispatcher.
    [join("src", "local", "execute", "net-guard.ts"), /^undici$/, "outbound network guard"],
  ];
  const roomOf = (abs: string): Room => {
    const rel = relative(SRC, abs);
    if (rel.startsWith(".."))
      return relative(join(SRC, ".."), abs).startsWith("data") ? "data" : "util";
    const [top, ...rest] = rel.split(sep);
    if (rest.length === 0) return top === "cli.ts" ? "entry" : "util";
    return top as Room;
  };
  const files: string[] = [];
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith(".ts") && !p.endsWith(".test.ts")) files.push(p);
    }
  };
  walk(SRC);

  it("covers every folder of src with a rule", () => {
    const rooms = new Set(files.map(roomOf));
    for (const room of rooms)
      expect(Object.keys(may), room).toContain(room === "util" ? "entry" : room);
    for (const room of ["app", "host", "transports", "mcp", "scale", "api", "domain", "local"])
      expect([...rooms], room).toContain(room);
  });

  it.each(Object.keys(may))("%s imports only what its layer may know", (room) => {
    const own = files.filter((f) => roomOf(f) === room);
    expect(own.length).toBeGreaterThan(0);
    for (const f of own) {
      const rel = relative(process.cwd(), f);
      const specifiers = [
        ...readFileSync(f, "utf8").matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^import\s+)"([^"]+)"/gm),
      ].map((m) => m[1] as string);
      const excused = (s: string) =>
        exceptions.some(([file, target]) => file === rel && target.test(s));
      const bad = specifiers.filter((s) => {
        if (excused(s)) return false;
        if (!s.startsWith(".")) {
          // The host knows the SDK and Node, nothing else.
          if (room === "host")
            return !/^(node:|@modelcontextprotocol\/(server|node)(\/|$))/.test(s);
          if (room === "local" && s.startsWith("@modelcontextprotocol/"))
            return !rel.includes(join("src", "local", "mcp-endpoint"));
          return forbiddenPackages[room as Room]?.test(s) === true;
        }
        const target = roomOf(resolve(dirname(f), s));
        // The local API's MCP endpoints are served through the host.
        if (room === "local" && target === "host")
          return !rel.includes(join("src", "local", "mcp-endpoint"));
        return !may[room as keyof typeof may].includes(target);
      });
      expect(bad, rel).toEqual([]);
    }
  });

  it("lets only src/app import the configuration", () => {
    for (const f of files) {
      if (roomOf(f) === "app") continue;
      const rel = relative(process.cwd(), f);
      const text = readFileSync(f, "utf8");
      const configImports = [
        ...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*)"([^"]*app\/config\.js)"/g),
      ]
        .map((m) => m[1] as string)
        .filter((s) => !exceptions.some(([file, target]) => file === rel && target.test(s)));
      expect(configImports, rel).toEqual([]);
    }
  });
});
