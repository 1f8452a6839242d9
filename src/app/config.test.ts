import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.js";
import { defaultDataDir, OPTIONS } from "./options/index.js";

describe("loadConfig", () => {
  it("defaults to stdio on the embedded local API", () => {
    const c = loadConfig([], { XDG_DATA_HOME: "/data" });
    expect(c).toMatchObject({
      command: "mcp",
      mcp: {
        transport: "stdio",
        readOnly: false,
        resultLinks: true,
        toolsets: ["integrations", "catalog", "connections", "mcp-servers", "history"],
      },
      http: { host: "127.0.0.1", port: 3333 },
      api: { apiKey: undefined, baseUrl: "https://api.weavz.io", timeoutMs: 30000 },
      local: { db: join("/data", "weavz-mcp", "local.db"), demo: true },
    });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it("turns the conformance fixtures on only from the env, and never lists the switch", () => {
    expect(loadConfig([], {}).mcp.conformanceFixtures).toBe(false);
    expect(loadConfig([], { WEAVZ_CONFORMANCE_FIXTURES: "1" }).mcp.conformanceFixtures).toBe(true);
    expect(() => loadConfig([], { WEAVZ_CONFORMANCE_FIXTURES: "maybe" })).toThrow(
      /WEAVZ_CONFORMANCE_FIXTURES must be true or false/,
    );
    // A test switch, not a user option: no flag, no --help line, no README table row.
    expect(OPTIONS.some((o) => o.env === "WEAVZ_CONFORMANCE_FIXTURES")).toBe(false);
    expect(() => loadConfig(["--conformance-fixtures"], {})).toThrow(ConfigError);
  });

  it("checks the Redis options without echoing a Redis URL (it may hold a password)", () => {
    expect(loadConfig([], {})).toMatchObject({
      redis: { url: undefined, leaseMs: 15000 },
      mcp: { pollIntervalMs: 2000 },
    });
    let message = "";
    try {
      loadConfig(["--redis-url", "http://user:hunter2@redis:6379"], {});
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/--redis-url \/ WEAVZ_REDIS_URL must be a URL such as redis:\/\//);
    expect(message).not.toContain("hunter2");
    expect(() => loadConfig(["--redis-lease-ms", "50"], {})).toThrow(
      /--redis-lease-ms \/ WEAVZ_REDIS_LEASE_MS must be a whole number of milliseconds from 1000 to 300000/,
    );
  });

  it("accepts a state secret only with Redis, one way, and long enough, never echoing it", () => {
    const redis = ["--redis-url", "redis://redis:6379"];
    const secret = "x".repeat(31);
    const messageOf = (argv: string[], env: Record<string, string> = {}) => {
      try {
        loadConfig(argv, env);
      } catch (err) {
        return (err as Error).message;
      }
      return "";
    };
    const short = messageOf([...redis, "--state-secret", secret]);
    expect(short).toMatch(/at least 32 characters/);
    expect(short).not.toContain(secret);
    expect(
      messageOf([...redis], { WEAVZ_STATE_SECRET: "with a space in it, 32+ chars long" }),
    ).toMatch(/without spaces/);
    expect(messageOf(["--state-secret", `${secret}y`])).toMatch(
      /only applies with --redis-url \/ WEAVZ_REDIS_URL/,
    );
    expect(messageOf(["--state-secret-file", "/run/s"])).toMatch(/only applies with --redis-url/);
    expect(
      messageOf([...redis, "--state-secret-file", "/run/s"], { WEAVZ_STATE_SECRET: `${secret}y` }),
    ).toMatch(/give one/);
    expect(loadConfig([...redis, "--state-secret", `${secret}y`]).redis.stateSecret).toBe(
      `${secret}y`,
    );
  });

  it("reads every option from its env twin, and a flag wins over its twin", () => {
    const env = {
      WEAVZ_TRANSPORT: "http",
      WEAVZ_HOST: "0.0.0.0",
      WEAVZ_PORT: "4000",
      WEAVZ_API_KEY: "wvz_env_key_123",
      WEAVZ_BASE_URL: "https://platform.weavz.io/api/v1/",
      WEAVZ_WORKSPACE_ID: "ws_1",
      WEAVZ_LOCAL_DB: "/tmp/x.db",
      WEAVZ_NO_DEMO: "true",
      WEAVZ_TIMEOUT_MS: "5000",
      WEAVZ_READ_ONLY: "1",
      WEAVZ_RESULT_LINKS: "false",
      WEAVZ_APPS: "false",
      WEAVZ_TOOLSETS: "plan, catalog",
      WEAVZ_ALLOWED_ORIGINS: "https://a.example, https://b.example",
      WEAVZ_MAX_SESSIONS: "50",
      WEAVZ_LOG_LEVEL: "debug",
      WEAVZ_AUTH: "oauth",
      WEAVZ_INSECURE_NO_AUTH: "no",
      WEAVZ_MCP_TOKENS_FILE: "/etc/weavz/tokens",
      WEAVZ_PUBLIC_URL: "https://mcp.example.com/mcp",
      WEAVZ_OAUTH_ISSUER: "https://auth.example.com",
      WEAVZ_OAUTH_JWKS_URL: "https://auth.example.com/jwks.json",
      WEAVZ_OAUTH_SCOPES: "weavz:read, weavz:write",
      WEAVZ_REDIS_URL: "redis://:pw@redis:6379/0",
      WEAVZ_REDIS_LEASE_MS: "3000",
      WEAVZ_STATE_SECRET: "s".repeat(32),
      WEAVZ_POLL_INTERVAL_MS: "500",
      WEAVZ_PLAN_FILE: "support.yaml",
      WEAVZ_EXPORT_FILE: "out.yaml",
      WEAVZ_PRUNE: "1",
      WEAVZ_APPLY_YES: "yes",
      WEAVZ_NO_DASHBOARD: "1",
      WEAVZ_JOURNAL_DB: "/tmp/j.db",
      WEAVZ_HISTORY_LIMIT: "500",
      WEAVZ_HISTORY_PAGE: "7",
      WEAVZ_HISTORY_JSON: "1",
      WEAVZ_HTTP_ALLOW: "localhost:8080, 127.1",
    };
    const c = loadConfig([], env);
    expect(c).toMatchObject({
      mcp: {
        transport: "http",
        readOnly: true,
        resultLinks: false,
        apps: false,
        toolsets: ["catalog", "plan"],
        pollIntervalMs: 500,
      },
      http: {
        host: "0.0.0.0",
        port: 4000,
        allowedOrigins: ["https://a.example", "https://b.example"],
        maxSessions: 50,
        publicUrl: "https://mcp.example.com/mcp",
        dashboard: false,
      },
      api: {
        apiKey: "wvz_env_key_123",
        baseUrl: "https://platform.weavz.io",
        workspaceId: "ws_1",
        timeoutMs: 5000,
      },
      local: { db: "/tmp/x.db", demo: false },
      log: { level: "debug" },
      auth: {
        mode: "oauth",
        insecureNoAuth: false,
        tokensFile: "/etc/weavz/tokens",
        oauthIssuer: "https://auth.example.com",
        oauthJwksUrl: "https://auth.example.com/jwks.json",
        oauthScopes: ["weavz:read", "weavz:write"],
      },
      redis: {
        url: "redis://:pw@redis:6379/0",
        leaseMs: 3000,
        stateSecret: "s".repeat(32),
        stateSecretFile: undefined,
      },
      plan: { file: "support.yaml", output: "out.yaml", prune: true, yes: true },
      history: { journalDb: "/tmp/j.db", limit: 500, page: 7, json: true },
    });
    expect(c.local.httpAllow).toEqual([{ host: "localhost", port: 8080 }, { host: "127.0.0.1" }]);
    expect(() => loadConfig(["--http-allow", "http://x/"], {})).toThrow(
      /--http-allow \/ WEAVZ_HTTP_ALLOW entries must be HOST or HOST:PORT/,
    );
    expect(
      loadConfig(["--port", "5000", "--workspace-id", "ws_2", "--toolsets", "all"], env),
    ).toMatchObject({
      http: { port: 5000 },
      api: { workspaceId: "ws_2" },
      mcp: {
        toolsets: [
          "integrations",
          "catalog",
          "connections",
          "mcp-servers",
          "plan",
          "execute",
          "history",
        ],
      },
    });
    expect(loadConfig(["--toolsets", "default,plan"], {}).mcp.toolsets).toEqual([
      "integrations",
      "catalog",
      "connections",
      "mcp-servers",
      "plan",
      "history",
    ]);
    expect(loadConfig(["--result-links", "on"], env).mcp.resultLinks).toBe(true);
    expect(() => loadConfig(["--result-links", "maybe"], {})).toThrow(/WEAVZ_RESULT_LINKS/);
    expect(loadConfig(["--apps", "on"], env).mcp.apps).toBe(true);
    expect(loadConfig([], {}).mcp.apps).toBe(true);
    expect(() => loadConfig(["--apps", "maybe"], {})).toThrow(
      /--apps \/ WEAVZ_APPS must be true or false/,
    );
    // One env twin per flag, and no two flags share one.
    expect(new Set(OPTIONS.map((o) => o.env)).size).toBe(OPTIONS.length);
    // The secret's file twin excludes the secret itself, so it is read in a run of its own.
    const fileEnv = { ...env, WEAVZ_STATE_SECRET: "", WEAVZ_STATE_SECRET_FILE: "/run/s/state" };
    expect(loadConfig([], fileEnv).redis.stateSecretFile).toBe("/run/s/state");
    for (const o of OPTIONS) expect(Object.keys(fileEnv)).toContain(o.env);
  });

  it("parses the GitOps commands: short flags, backend options, and -f required", () => {
    expect(
      loadConfig(["apply", "-f", "s.yaml", "-y", "--prune", "--db", "/tmp/d.db"], {}),
    ).toMatchObject({
      command: "apply",
      plan: { file: "s.yaml", yes: true, prune: true },
      local: { db: "/tmp/d.db" },
      log: { level: "warn" },
    });
    expect(loadConfig(["export", "-o", "o.yaml", "--workspace-id", "ws_1"], {})).toMatchObject({
      command: "export",
      plan: { output: "o.yaml" },
      api: { workspaceId: "ws_1" },
    });
    expect(() => loadConfig(["plan"], {})).toThrow(/-f FILE \(or WEAVZ_PLAN_FILE\)/);
    expect(() => loadConfig(["plan", "-f", "s.yaml", "--yes"], {})).toThrow(
      /--yes does not apply to plan/,
    );
    expect(() => loadConfig(["export", "--transport", "http"], {})).toThrow(
      /--transport does not apply to export/,
    );
  });

  it("parses the dashboard command: its own port default, backend options, no MCP options", () => {
    expect(loadConfig(["dashboard"], {})).toMatchObject({
      command: "dashboard",
      http: { port: 3334 },
    });
    expect(loadConfig(["dashboard", "--port", "0", "--db", "/tmp/d.db"], {})).toMatchObject({
      http: { port: 0 },
      local: { db: "/tmp/d.db" },
    });
    expect(loadConfig([], {}).http.dashboard).toBe(true);
    expect(() => loadConfig(["dashboard", "--transport", "http"], {})).toThrow(
      /--transport does not apply to dashboard/,
    );
  });

  it("parses the local-api command with its own port default", () => {
    const c = loadConfig(
      ["local-api", "--db", "/tmp/a.db", "--no-demo", "--api-key", "wvz_local_1234"],
      {},
    );
    expect(c).toMatchObject({
      command: "local-api",
      http: { port: 8787 },
      local: { db: "/tmp/a.db", demo: false },
      api: { apiKey: "wvz_local_1234" },
    });
  });

  it.each([
    [["--port", "70000"], {}, /--port \/ WEAVZ_PORT must be a port number 0-65535/],
    [[], { WEAVZ_PORT: "http" }, /WEAVZ_PORT must be a port number/],
    [["--transport", "ws"], {}, /must be stdio or http/],
    [["--base-url", "ftp://x"], { WEAVZ_API_KEY: "wvz_abcdefgh" }, /must be an http\(s\) URL/],
    [
      ["--base-url", "https://u:p@api.weavz.io"],
      { WEAVZ_API_KEY: "wvz_abcdefgh" },
      /must not contain credentials/,
    ],
    [[], { WEAVZ_BASE_URL: "https://api.example" }, /needs a key/],
    [["--api-key", "short"], {}, /8-512 printable characters/],
    [[], { WEAVZ_TIMEOUT_MS: "100000" }, /from 1000 to 60000/],
    [[], { WEAVZ_READ_ONLY: "maybe" }, /WEAVZ_READ_ONLY must be true or false/],
    [[], { WEAVZ_LOG_LEVEL: "loud" }, /error, warn, info or debug/],
    [["--allowed-origins", "not a url"], {}, /must be origins like/],
    [["--max-sessions", "0"], {}, /--max-sessions \/ WEAVZ_MAX_SESSIONS must be a whole number/],
    [["--workspace-id", "../etc"], {}, /must be a workspace id/],
    [
      ["--toolsets", "catalog,planz"],
      {},
      /--toolsets \/ WEAVZ_TOOLSETS names unknown toolset\(s\) "planz"; valid: integrations, catalog, connections, mcp-servers, plan, execute, history, all, default/,
    ],
    [[], { WEAVZ_TOOLSETS: " , " }, /WEAVZ_TOOLSETS is empty; use one or more of/],
    [["local-api", "--toolsets", "all"], {}, /--toolsets does not apply to local-api/],
    [["serve"], {}, /Unknown command "serve"/],
    [["--colour"], {}, /colour/],
    [["local-api", "--transport", "http"], {}, /--transport does not apply to local-api/],
    [["--auth", "basic"], {}, /must be none, bearer or oauth/],
    [
      ["--transport", "http", "--auth", "bearer"],
      {},
      /needs a tokens file: set WEAVZ_MCP_TOKENS_FILE/,
    ],
    [["--transport", "http", "--auth", "oauth"], {}, /set WEAVZ_OAUTH_ISSUER/],
    [["--oauth-issuer", "http://auth.example.com"], {}, /must be an https URL/],
    [["--public-url", "https://u:p@mcp.example.com/mcp"], {}, /must not contain credentials/],
    [["--public-url", "mcp.example.com"], {}, /--public-url \/ WEAVZ_PUBLIC_URL must be a URL/],
  ] as const)("rejects %j %j with a clear message", (argv, env, message) => {
    expect(() => loadConfig(argv, env)).toThrow(ConfigError);
    expect(() => loadConfig(argv, env)).toThrow(message);
  });

  it("refuses HTTP on a non-loopback interface without auth, unless told it is on purpose", () => {
    const open = ["--transport", "http", "--host", "0.0.0.0"];
    expect(() => loadConfig(open, {})).toThrow(
      /refusing to serve HTTP on 0\.0\.0\.0 without authentication.*--auth bearer.*--insecure-no-auth/,
    );
    expect(() => loadConfig([], { WEAVZ_TRANSPORT: "http", WEAVZ_HOST: "192.168.1.5" })).toThrow(
      ConfigError,
    );
    expect(loadConfig([...open, "--insecure-no-auth"], {})).toMatchObject({
      auth: { mode: "none", insecureNoAuth: true },
    });
    expect(loadConfig(open, { WEAVZ_INSECURE_NO_AUTH: "1" }).auth.insecureNoAuth).toBe(true);
    expect(
      loadConfig([...open, "--auth", "bearer"], { WEAVZ_MCP_TOKENS_FILE: "/t" }),
    ).toMatchObject({ auth: { mode: "bearer", tokensFile: "/t" } });
    // Loopback needs no auth; stdio has no network side at all.
    for (const host of ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
      expect(loadConfig(["--transport", "http", "--host", host], {}).auth.mode).toBe("none");
    expect(loadConfig(["--host", "0.0.0.0"], {}).mcp.transport).toBe("stdio");
  });

  it("infers the mode from a tokens file or an issuer, so forgetting --auth cannot leave it open", () => {
    const http = ["--transport", "http"];
    expect(loadConfig(http, { WEAVZ_MCP_TOKENS_FILE: "/t" }).auth.mode).toBe("bearer");
    expect(loadConfig(http, { WEAVZ_OAUTH_ISSUER: "https://auth.example.com" }).auth.mode).toBe(
      "oauth",
    );
    expect(loadConfig([...http, "--auth", "none"], { WEAVZ_MCP_TOKENS_FILE: "/t" }).auth.mode).toBe(
      "none",
    );
    expect(() =>
      loadConfig(http, {
        WEAVZ_MCP_TOKENS_FILE: "/t",
        WEAVZ_OAUTH_ISSUER: "https://auth.example.com",
      }),
    ).toThrow(/choose with --auth bearer or --auth oauth/);
  });

  it("takes plain-http OAuth URLs only towards loopback (a test issuer on this machine)", () => {
    const c = loadConfig(
      ["--transport", "http", "--auth", "oauth", "--oauth-issuer", "http://127.0.0.1:9000"],
      {},
    );
    expect(c).toMatchObject({
      auth: { mode: "oauth", oauthIssuer: "http://127.0.0.1:9000", oauthScopes: [] },
    });
  });

  it("refuses an API key with spaces, and never echoes it in the error", () => {
    // The error is caught outside the assertion, so no catch can swallow a failed expectation.
    const refusal = (args: string[], env: Record<string, string>) => {
      try {
        loadConfig(args, env);
      } catch (err) {
        return err as Error;
      }
      return undefined;
    };
    const secret = "wvz_this is not valid";
    for (const [args, env] of [
      [["--api-key", secret], {}],
      [[], { WEAVZ_API_KEY: secret }],
    ] as const) {
      const err = refusal([...args], env);
      expect(err).toBeInstanceOf(ConfigError);
      expect(err?.message).toMatch(/without spaces/);
      expect(err?.message).not.toContain(secret);
    }
    expect(refusal(["--api-key", "wvz_without_spaces_0123"], {})).toBeUndefined();
  });

  it("puts the database under the platform's data directory", () => {
    expect(defaultDataDir({ XDG_DATA_HOME: "/x" }, "linux")).toBe(join("/x", "weavz-mcp"));
    expect(defaultDataDir({ APPDATA: "C:/Users/u/AppData/Roaming" }, "win32")).toBe(
      join("C:/Users/u/AppData/Roaming", "weavz-mcp"),
    );
    expect(defaultDataDir({}, "darwin")).toMatch(/Library[/\\]Application Support[/\\]weavz-mcp$/);
  });
});

describe("the option table", () => {
  // Each option spells its default twice: as text for --help and the README, and as the typed
  // value loadConfig uses. Where the text is a value the option's own parser accepts, the two
  // must agree, so the manual cannot drift from behaviour.
  it("shows each default that is a plain value as exactly the value used", () => {
    const ctx = { command: "mcp" as const, env: {}, given: () => undefined };
    let checked = 0;
    for (const o of OPTIONS) {
      let shown: unknown;
      try {
        shown = (o.parse as (raw: string, source: string) => unknown)(o.default, o.flag);
      } catch {
        // Descriptive text such as "(none)" or "(data dir)/…": nothing to compare.
        continue;
      }
      if (o.default.startsWith("(")) continue;
      checked++;
      expect(shown, `--${o.flag}: shown "${o.default}"`).toEqual(
        (o.fallback as (c: typeof ctx) => unknown)(ctx),
      );
    }
    // Most options have a plain default: the comparison must not become vacuous.
    expect(checked).toBeGreaterThanOrEqual(15);
  });
});
