/**
 * The http built-in refuses private destinations (issue 22): a loopback "metadata service"
 * holding a secret is refused in every spelling and behind a redirect, then reachable once
 * allow-listed by host and port. Servers listen on loopback port 0 (real sockets).
 */
import { rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseHttpAllow } from "../../src/local/execute/http-allow.js";
import { privateKind } from "../../src/local/execute/net-guard.js";
import { client, startTestLocalApi, type TestLocalApi } from "../helpers/local-api.js";

const SECRET = "metadata-secret-5f4e3d2c";
let meta: Server;
let redirector: Server;
let metaPort = 0;
let redirectPort = 0;
let api: TestLocalApi;
let call: ReturnType<typeof client>;
let ws = "";
let hits = 0;
let dir = "";

function listen(s: Server): Promise<number> {
  return new Promise((res) =>
    s.listen(0, "127.0.0.1", () => res((s.address() as AddressInfo).port)),
  );
}

beforeAll(async () => {
  meta = createServer((req, res) => {
    hits++;
    if (req.url === "/deep") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(`${"[".repeat(5000)}${"]".repeat(5000)}`);
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ secret: SECRET }));
  });
  redirector = createServer((req, res) => {
    res.writeHead(302, { location: decodeURIComponent((req.url ?? "/").slice(1)) });
    res.end();
  });
  metaPort = await listen(meta);
  redirectPort = await listen(redirector);
  // Only the redirector is allowed: the metadata service stays refused until its own test.
  api = await startTestLocalApi({
    demo: false,
    keepDir: true,
    httpAllow: parseHttpAllow(`127.0.0.1:${redirectPort}`),
  });
  dir = api.dir;
  call = client(api.url, api.apiKey);
  ws = (await call("POST", "/api/v1/workspaces", { name: "Net", slug: "net" })).body.workspace.id;
  await call("POST", `/api/v1/workspaces/${ws}/integrations`, { integrationName: "http" });
});

afterAll(async () => {
  await api?.close();
  rmSync(dir, { recursive: true, force: true });
  for (const s of [meta, redirector]) {
    s.closeAllConnections();
    s.close();
  }
});

const send = (url: string) =>
  call("POST", "/api/v1/actions/execute", {
    workspaceId: ws,
    integrationName: "http",
    actionName: "send_request",
    input: { method: "GET", url, headers: {}, queryParams: {}, authType: "NONE" },
  });

describe("the http built-in refuses private destinations", () => {
  const spellings = () => [
    `http://127.0.0.1:${metaPort}/`,
    `http://localhost:${metaPort}/`,
    `http://LOCALHOST:${metaPort}/`,
    `http://127.1:${metaPort}/`,
    `http://2130706433:${metaPort}/`,
    `http://0x7f000001:${metaPort}/`,
    `http://0x7f.0.0.1:${metaPort}/`,
    `http://0177.0.0.1:${metaPort}/`,
    `http://127.000.000.001:${metaPort}/`,
    `http://0.0.0.0:${metaPort}/`,
    `http://0:${metaPort}/`,
    `http://[::1]:${metaPort}/`,
    `http://[0:0:0:0:0:0:0:1]:${metaPort}/`,
    `http://[::]:${metaPort}/`,
    `http://[::ffff:127.0.0.1]:${metaPort}/`,
    `http://[::ffff:7f00:1]:${metaPort}/`,
    `http://[64:ff9b::127.0.0.1]:${metaPort}/`,
    `http://[2002:7f00:1::]:${metaPort}/`,
    `http://169.254.169.254/latest/meta-data/`,
    `http://[fd00:ec2::254]/latest/meta-data/`,
    `http://10.0.0.1/`,
    `http://172.16.5.4/`,
    `http://192.168.1.1/`,
    `http://100.64.0.1/`,
    `http://[fe80::1]/`,
    `http://[fc00::1]/`,
    `https://127.0.0.1:${metaPort}/`,
  ];

  it("in every spelling, before connecting", async () => {
    hits = 0;
    for (const url of spellings()) {
      const r = await send(url);
      expect(r.status, `${url}: ${r.text}`).toBe(400);
      expect(r.body.code, url).toBe("ACTION_FAILED");
      expect(r.body.details.reason, `${url}: ${r.text}`).toBe("blocked_destination");
      expect(r.body.error).toMatch(/does not connect to private destinations.*--http-allow/);
      expect(r.text).not.toContain(SECRET);
    }
    expect(hits).toBe(0);
  });

  it("behind a redirect from an allowed host, to any spelling", async () => {
    hits = 0;
    for (const target of [
      `http://127.0.0.1:${metaPort}/`,
      `http://localhost:${metaPort}/`,
      `http://2130706433:${metaPort}/`,
      `http://[::ffff:127.0.0.1]:${metaPort}/`,
    ]) {
      const r = await send(`http://127.0.0.1:${redirectPort}/${encodeURIComponent(target)}`);
      expect(r.body.details?.reason, `${target}: ${r.text}`).toBe("blocked_destination");
      expect(r.text).not.toContain(SECRET);
    }
    expect(hits).toBe(0);
  });

  it("an allow-listed host:port is reached; deep JSON from it is ACTION_FAILED, not a 500", async () => {
    await api.close();
    api = await startTestLocalApi({
      demo: false,
      dbPath: api.dbPath,
      httpAllow: parseHttpAllow(`localhost:${metaPort}, 127.0.0.1:${redirectPort}`),
    });
    call = client(api.url, api.apiKey);
    const ok = await send(`http://localhost:${metaPort}/`);
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body.output.body).toEqual({ secret: SECRET });
    // The entry names localhost on that port only: other spellings and ports stay refused.
    expect((await send(`http://127.0.0.1:${metaPort}/`)).body.details.reason).toBe(
      "blocked_destination",
    );
    expect((await send(`http://localhost:${redirectPort + 1}/`)).body.details.reason).toBe(
      "blocked_destination",
    );
    const deep = await send(`http://localhost:${metaPort}/deep`);
    expect(deep.status, deep.text).toBe(400);
    expect(deep.body.code).toBe("ACTION_FAILED");
    expect(deep.body.details).toMatchObject({ reason: "response_too_deep", maxDepth: 100 });
  });
});

describe("address classification", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["0.0.0.0", "unspecified"],
    ["169.254.169.254", "link-local (cloud metadata)"],
    ["10.1.2.3", "private"],
    ["::1", "loopback"],
    ["::", "unspecified"],
    ["::ffff:169.254.169.254", "link-local (cloud metadata)"],
    ["::ffff:a9fe:a9fe", "link-local (cloud metadata)"],
    ["64:ff9b::10.0.0.1", "private"],
    ["2002:c0a8:0101::1", "private"],
    ["fd12:3456::1", "unique-local"],
    ["fe80::1%eth0", "link-local"],
    ["ff02::1", "multicast"],
    ["224.0.0.1", "multicast"],
    ["255.255.255.255", "reserved"],
  ])("%s is %s", (ip, kind) => {
    expect(privateKind(ip)).toBe(kind);
  });

  it.each([
    "93.184.216.34",
    "8.8.8.8",
    "2606:4700:4700::1111",
    "::ffff:8.8.8.8",
    "2002:0808:0808::1",
  ])("%s is public", (ip) => {
    expect(privateKind(ip)).toBeUndefined();
  });

  it("parses --http-allow entries and names a bad one", () => {
    expect(parseHttpAllow("localhost:8080, 127.1, [::1]:9000")).toEqual([
      { host: "localhost", port: 8080 },
      { host: "127.0.0.1" },
      { host: "::1", port: 9000 },
    ]);
    expect(() => parseHttpAllow("http://x")).toThrow(/HOST or HOST:PORT.*"http:\/\/x"/);
    expect(() => parseHttpAllow("a:70000")).toThrow(/"a:70000"/);
  });
});
