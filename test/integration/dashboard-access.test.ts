import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { InMemoryServerEventBus } from "@modelcontextprotocol/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWeavzClient, type WeavzClient } from "../../src/api/client.js";
import { loadConfig } from "../../src/app/config.js";
import { httpAccess } from "../../src/app/dashboard-wire.js";
import { createDashboard, type Dashboard } from "../../src/dashboard/app.js";
import { dashboardLine } from "../../src/dashboard/index.js";
import { silentLogger } from "../../src/log.js";
import { RESOURCES } from "../../src/mcp/inventory.js";
import { ResourceHub } from "../../src/mcp/resources/hub.js";
import { createAuthGate } from "../../src/transports/auth/gate.js";
import { parseTokensFile, tokenFileVerifier } from "../../src/transports/auth/tokens-file.js";
import { startTestLocalApi, type TestLocalApi } from "../helpers/local-api.js";
import { DEMO_WS } from "../helpers/mcp.js";

const ORIGIN = "http://127.0.0.1:3333";
const ALICE = "alice-token-0123456789abcdef";
const BOB = "bob-token-0123456789abcdef01";

/**
 * Who gets into the dashboard in each configuration, against the real local API: the config
 * parser, the bearer gate of the MCP endpoint and the dashboard app, driven in process through
 * web Requests (the browser tests cover the same app over a socket).
 */
describe("dashboard access", () => {
  let local: TestLocalApi;
  let api: WeavzClient;
  let hub: ResourceHub;
  let tokensFile: string;

  beforeAll(async () => {
    local = await startTestLocalApi({ demo: true });
    api = createWeavzClient({ baseUrl: local.url, apiKey: local.apiKey, log: silentLogger });
    hub = new ResourceHub(api, silentLogger, new InMemoryServerEventBus(), {}, RESOURCES);
    tokensFile = join(local.dir, "tokens");
    writeFileSync(tokensFile, `${ALICE} name=alice\n${BOB} name=bob workspaces=ws_elsewhere\n`);
  });
  afterAll(async () => {
    hub.close();
    await api.close();
    await local.close();
  });

  const dashboardFor = (args: string[]): Dashboard => {
    const config = loadConfig(["--transport", "http", "--port", "0", ...args], {});
    const gate =
      config.auth.mode === "bearer"
        ? createAuthGate({
            verifier: tokenFileVerifier(
              parseTokensFile(`${ALICE} name=alice\n${BOB} name=bob workspaces=ws_elsewhere\n`),
            ),
            log: silentLogger,
          })
        : undefined;
    gate?.listening(`${ORIGIN}/mcp`);
    return createDashboard({
      api,
      hub,
      access: httpAccess(config, gate),
      log: silentLogger,
      backendLabel: () => "test backend",
      historyKind: () => "local-api",
    });
  };

  /** A request as a browser on this dashboard's origin sends it. */
  const send = (d: Dashboard, path: string, init: RequestInit & { cookie?: string } = {}) => {
    const headers = new Headers(init.headers);
    headers.set("host", "127.0.0.1:3333");
    if (init.cookie) headers.set("cookie", init.cookie);
    return d.app.request(`${ORIGIN}${path}`, { ...init, headers });
  };
  const cookieOf = (res: Response, name: string) =>
    res.headers
      .getSetCookie()
      .find((c) => c.startsWith(`${name}=`))
      ?.split(";")[0] as string;

  /** The login form flow: GET the form (pairing cookie), POST the token from this origin. */
  async function logIn(d: Dashboard, token: string) {
    const form = await send(d, "/login");
    const loginCookie = cookieOf(form, "weavz_dashboard_login");
    const nonce = /name="_login" value="([^"]+)"/.exec(await form.text())?.[1] as string;
    return send(d, "/login", {
      method: "POST",
      cookie: loginCookie,
      headers: { origin: ORIGIN, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ _login: nonce, token }).toString(),
    });
  }

  it("bearer: no session sends to the login form; a wrong token is refused", async () => {
    const d = dashboardFor(["--auth", "bearer", "--tokens-file", tokensFile]);
    expect(d.loginUrl(ORIGIN)).toBe(`${ORIGIN}/login`);
    const anon = await send(d, "/");
    expect(anon.status).toBe(303);
    expect(anon.headers.get("location")).toBe("/login");
    const wrong = await logIn(d, "not-a-configured-token-at-all");
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain("not accepted");
    expect(d.sessions.size).toBe(0);
  });

  it("bearer: the login form refuses a foreign Origin and a missing pairing cookie", async () => {
    const d = dashboardFor(["--auth", "bearer", "--tokens-file", tokensFile]);
    const body = new URLSearchParams({ _login: "x", token: ALICE }).toString();
    const type = { "content-type": "application/x-www-form-urlencoded" };
    const foreign = await send(d, "/login", {
      method: "POST",
      headers: { ...type, origin: "http://evil.example" },
      body,
    });
    expect(foreign.status).toBe(403);
    const unpaired = await send(d, "/login", {
      method: "POST",
      headers: { ...type, origin: ORIGIN },
      body,
    });
    expect(unpaired.status).toBe(403);
    expect(d.sessions.size).toBe(0);
  });

  it("bearer: a token limited to other workspaces sees none of the demo workspace", async () => {
    const d = dashboardFor(["--auth", "bearer", "--tokens-file", tokensFile]);
    const res = await logIn(d, BOB);
    expect(res.status).toBe(303);
    const cookie = cookieOf(res, "weavz_dashboard");
    expect(res.headers.getSetCookie().join()).toMatch(/HttpOnly; SameSite=Strict/);
    const list = await (await send(d, "/", { cookie })).text();
    expect(list).toContain("Signed in as <strong>bob</strong>");
    expect(list).not.toContain(DEMO_WS);
    const page = await send(d, `/workspaces/${DEMO_WS}`, { cookie });
    expect(page.status).toBe(403);
    expect((await send(d, `/workspaces/${DEMO_WS}/history`, { cookie })).status).toBe(403);
    const events = await send(d, `/events?workspace=${DEMO_WS}`, { cookie });
    expect(events.status).toBe(403);
  });

  it("bearer: an unlimited token sees the demo workspace", async () => {
    const d = dashboardFor(["--auth", "bearer", "--tokens-file", tokensFile]);
    const cookie = cookieOf(await logIn(d, ALICE), "weavz_dashboard");
    const page = await send(d, `/workspaces/${DEMO_WS}`, { cookie });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Demo Workspace");
  });

  it("OAuth alone: the dashboard is off and says why, on every page and in the printed line", async () => {
    const d = dashboardFor(["--auth", "oauth", "--oauth-issuer", "https://auth.example.com"]);
    expect(d.loginUrl(ORIGIN)).toBeUndefined();
    const res = await send(d, "/");
    expect(res.status).toBe(503);
    expect(await res.text()).toContain("no OAuth sign-in");
    expect(dashboardLine(d, `${ORIGIN}/mcp`)).toMatch(/^Dashboard: off\. .*OAuth/);
  });

  it("no authentication beyond loopback (--insecure-no-auth): off", async () => {
    const d = dashboardFor(["--host", "0.0.0.0", "--insecure-no-auth"]);
    expect(d.access.kind).toBe("off");
    expect((await send(d, "/")).status).toBe(503);
  });

  it("--no-dashboard: off", async () => {
    const d = dashboardFor(["--no-dashboard"]);
    expect(dashboardLine(d, `${ORIGIN}/mcp`)).toContain("--no-dashboard");
  });

  it("loopback: each printed link works once and only the newest one works", async () => {
    const d = dashboardFor([]);
    const first = new URL(d.loginUrl(ORIGIN) as string);
    const second = new URL(d.loginUrl(ORIGIN) as string);
    expect((await send(d, `/?${first.searchParams}`)).status).toBe(401);
    const ok = await send(d, `/?${second.searchParams}`);
    expect(ok.status).toBe(303);
    expect(cookieOf(ok, "weavz_dashboard")).toMatch(/^weavz_dashboard=[\w-]{43}$/);
    expect((await send(d, `/?${second.searchParams}`)).status).toBe(401);
  });
});
