import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, describe, expect, it, vi } from "vitest";
import { hashSecret, legacyHash, verifySecret } from "../../src/local/key-hash.js";
import { LOCAL_ORG_ID, MIGRATIONS } from "../../src/local/migrations.js";
import { type LocalApi, startLocalApi } from "../../src/local/server.js";
import { Database } from "../../src/local/sqlite.js";
import { silentLogger } from "../../src/log.js";
import { initializeRequest, MCP_ACCEPT } from "../helpers/jsonrpc.js";
import { client } from "../helpers/local-api.js";

// Real local APIs on port 0 over real SQLite files; "old" databases are written the way the
// previous schema (4) wrote them, by running its migrations and inserting SHA-256 rows.

const SCRYPT_FORM = /^\$scrypt\$ln=15,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/;
const WEAK_KEY = "wvz_password123";

const dirs: string[] = [];
const apis: LocalApi[] = [];
function tmpDb(): string {
  const d = mkdtempSync(join(tmpdir(), "weavz-keys-"));
  dirs.push(d);
  return join(d, "keys.db");
}
async function start(opts: Omit<Parameters<typeof startLocalApi>[0], "port">): Promise<LocalApi> {
  const api = await startLocalApi({ port: 0, log: silentLogger, ...opts });
  apis.push(api);
  return api;
}
afterAll(async () => {
  for (const a of apis) await a.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function rows(dbPath: string, sql: string): unknown[] {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare(sql).pluck().all();
  } finally {
    db.close();
  }
}

/** A database as schema 4 left it: `api_keys` rows and MCP tokens as unsalted SHA-256 hex. */
function oldDatabase(dbPath: string, opts: { key: string; mcpToken?: string }): void {
  const db = new Database(dbPath);
  for (const m of MIGRATIONS.slice(0, 4)) m(db);
  db.pragma("user_version = 4");
  const now = new Date().toISOString();
  db.prepare("INSERT INTO api_keys (key_hash, created_at) VALUES (?, ?)").run(
    legacyHash(opts.key),
    now,
  );
  if (opts.mcpToken) {
    db.prepare(
      "INSERT INTO workspaces (id, org_id, name, slug, created_at, updated_at) VALUES ('ws_old', ?, 'Old', 'old', ?, ?)",
    ).run(LOCAL_ORG_ID, now, now);
    db.prepare(
      `INSERT INTO mcp_servers (id, org_id, workspace_id, name, description, mode, auth_mode, bearer_token_hash, created_at, updated_at)
       VALUES ('srv_old', ?, 'ws_old', 'Old agent', NULL, 'TOOLS', 'bearer', ?, ?, ?)`,
    ).run(LOCAL_ORG_ID, legacyHash(opts.mcpToken), now, now);
  }
  db.close();
}

const INVALID_KEY_BODY = { error: "Invalid API key.", code: "UNAUTHORIZED", details: {} };

describe("API keys at rest", () => {
  it("stores a salted scrypt form, not the SHA-256, different in two stores for one key", async () => {
    const paths = [tmpDb(), tmpDb()];
    const stored: string[] = [];
    for (const dbPath of paths) {
      const api = await start({ dbPath, apiKey: WEAK_KEY, demo: false });
      expect((await client(api.url, WEAK_KEY)("GET", "/api/v1/workspaces")).status).toBe(200);
      const [form, ...more] = rows(dbPath, "SELECT key_hash FROM api_keys") as string[];
      expect(more).toEqual([]);
      expect(form).toMatch(SCRYPT_FORM);
      expect(form).not.toBe(legacyHash(WEAK_KEY));
      expect(await verifySecret(WEAK_KEY, form as string)).toBe(true);
      stored.push(form as string);
    }
    // Salted: the same key gives two different stored forms (and salts).
    expect(stored[0]).not.toBe(stored[1]);
    expect(stored[0]?.split("$")[3]).not.toBe(stored[1]?.split("$")[3]);
  });

  it("a restart with the same --api-key adds no row and moves no change marker", async () => {
    const dbPath = tmpDb();
    const a = await start({ dbPath, apiKey: WEAK_KEY });
    const seq = a.store.changeSeq();
    await a.close();
    const b = await start({ dbPath, apiKey: WEAK_KEY });
    expect(b.store.changeSeq()).toBe(seq);
    expect(rows(dbPath, "SELECT count(*) FROM api_keys")).toEqual([1]);
    // The startup check warmed the cache: the first request runs no KDF.
    const runs = b.keyChecker.kdfRuns;
    expect((await client(b.url, WEAK_KEY)("GET", "/api/v1/workspaces")).status).toBe(200);
    expect(b.keyChecker.kdfRuns).toBe(runs);
  });
});

describe("databases with unsalted SHA-256 keys (schema 4)", () => {
  it("still authenticate, and the row is upgraded on first use without a change event", async () => {
    const dbPath = tmpDb();
    oldDatabase(dbPath, { key: WEAK_KEY });
    const api = await start({ dbPath });
    expect(api.usingStoredKey).toBe(true);
    expect(api.store.db.pragma("user_version", { simple: true })).toBe(MIGRATIONS.length);
    expect(rows(dbPath, "SELECT key_hash FROM api_keys")).toEqual([legacyHash(WEAK_KEY)]);
    const seq = api.store.changeSeq();

    const call = client(api.url, WEAK_KEY);
    const wrong = await call("GET", "/api/v1/workspaces", undefined, { key: "wvz_password124" });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual(INVALID_KEY_BODY);
    // A refused key changes nothing.
    expect(rows(dbPath, "SELECT key_hash FROM api_keys")).toEqual([legacyHash(WEAK_KEY)]);

    expect((await call("GET", "/api/v1/workspaces")).status).toBe(200);
    const [form] = rows(dbPath, "SELECT key_hash FROM api_keys") as string[];
    expect(form).toMatch(SCRYPT_FORM);
    expect(await verifySecret(WEAK_KEY, form as string)).toBe(true);
    expect(api.store.changeSeq()).toBe(seq);
    expect((await call("GET", "/api/v1/workspaces")).status).toBe(200);
    await api.close();

    // A new process (empty cache) verifies the upgraded row.
    const again = await start({ dbPath });
    expect((await client(again.url, WEAK_KEY)("GET", "/api/v1/workspaces")).status).toBe(200);
    expect(
      (await client(again.url, WEAK_KEY)("GET", "/api/v1/workspaces", undefined, { key: "x" }))
        .status,
    ).toBe(401);
  });

  it("are upgraded at startup when the key is given with --api-key, without a second row", async () => {
    const dbPath = tmpDb();
    oldDatabase(dbPath, { key: WEAK_KEY });
    const api = await start({ dbPath, apiKey: WEAK_KEY });
    const stored = rows(dbPath, "SELECT key_hash FROM api_keys") as string[];
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatch(SCRYPT_FORM);
    expect((await client(api.url, WEAK_KEY)("GET", "/api/v1/workspaces")).status).toBe(200);
  });

  it("a hash made at a lower cost is rehashed at today's on first use", async () => {
    const dbPath = tmpDb();
    const a = await start({ dbPath, apiKey: WEAK_KEY });
    await a.close();
    const cheap = await hashSecret(WEAK_KEY, { ln: 10, r: 8, p: 1 });
    const db = new Database(dbPath);
    db.prepare("UPDATE api_keys SET key_hash = ?").run(cheap);
    db.close();
    const b = await start({ dbPath });
    expect((await client(b.url, WEAK_KEY)("GET", "/api/v1/workspaces")).status).toBe(200);
    const [form] = rows(dbPath, "SELECT key_hash FROM api_keys") as string[];
    expect(form).toMatch(SCRYPT_FORM);
    expect(await verifySecret(WEAK_KEY, form as string)).toBe(true);
  });

  it("MCP servers' mcp_ tokens keep opening their endpoint, and are upgraded on first use", async () => {
    const dbPath = tmpDb();
    const token = "mcp_0123456789ABCDEFabcdefghijklmnop";
    oldDatabase(dbPath, { key: WEAK_KEY, mcpToken: token });
    const api = await start({ dbPath });
    const endpoint = new URL(`${api.url}/api/v1/mcp/servers/srv_old/mcp`);
    const tokenForm = () =>
      rows(dbPath, "SELECT bearer_token_hash FROM mcp_servers WHERE id = 'srv_old'")[0] as string;

    const init = initializeRequest({ clientName: "x" });
    const headers = { accept: MCP_ACCEPT };
    const bad = await client(api.url, `${token}x`)("POST", endpoint.pathname, init, { headers });
    expect(bad.status).toBe(401);
    expect(tokenForm()).toBe(legacyHash(token));

    const mcp = new Client({ name: "keys-test", version: "1" });
    await mcp.connect(
      new StreamableHTTPClientTransport(endpoint, {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      }),
    );
    try {
      expect(tokenForm()).toMatch(SCRYPT_FORM);
      expect(await verifySecret(token, tokenForm())).toBe(true);
      // The upgrade is the same token: the session admitted with it keeps working.
      expect((await mcp.listTools()).tools).toEqual([]);
      // Once the endpoints watch the change feed (the client's GET stream opened), they have
      // compared each server's stored token form with the one its sessions were admitted
      // with (that comparison ends the sessions of a regenerated token): the upgraded form
      // must not count as a new token.
      await vi.waitFor(() => expect(api.mcpEndpoints?.isWatching).toBe(true), {
        timeout: 20_000,
        interval: 10,
      });
      expect((await mcp.listTools()).tools).toEqual([]);
    } finally {
      await mcp.close();
    }
    const again = await client(api.url, token)("POST", endpoint.pathname, init, { headers });
    expect(again.status).toBe(200);
    const wrong = await client(api.url, `${token}x`)("POST", endpoint.pathname, init, { headers });
    expect(wrong.status).toBe(401);
  });
});

describe("the verification cache", () => {
  it("never accepts a wrong key after the right one", async () => {
    const dbPath = tmpDb();
    const api = await start({ dbPath, apiKey: WEAK_KEY, demo: false });
    const call = client(api.url, WEAK_KEY);
    expect((await call("GET", "/api/v1/workspaces")).status).toBe(200);
    for (const key of [
      `${WEAK_KEY}x`,
      WEAK_KEY.slice(0, -1),
      WEAK_KEY.toUpperCase(),
      `x${WEAK_KEY}`,
      legacyHash(WEAK_KEY),
    ]) {
      const r = await call("GET", "/api/v1/workspaces", undefined, { key });
      expect(r.status, key).toBe(401);
      expect(r.body).toEqual(INVALID_KEY_BODY);
      expect(r.headers["www-authenticate"]).toBe("Bearer");
    }
    expect((await call("GET", "/api/v1/workspaces")).status).toBe(200);
  });

  it("runs the KDF once for a bad key sent again, and again once another process adds it", async () => {
    const dbPath = tmpDb();
    const a = await start({ dbPath, apiKey: WEAK_KEY, demo: false });
    const second = "wvz_added_later_by_another_process";
    const call = client(a.url, WEAK_KEY);
    const runs = a.keyChecker.kdfRuns;
    for (let i = 0; i < 20; i++) {
      const r = await call("GET", "/api/v1/workspaces", undefined, { key: second });
      expect(r.status).toBe(401);
    }
    // One stored key, one check: the 19 repeats were refused from the cache.
    expect(a.keyChecker.kdfRuns - runs).toBe(1);

    // Another process adds the key: the refusal was for the rows as they were, not forever.
    const b = await start({ dbPath, apiKey: second, demo: false });
    await b.close();
    const r = await call("GET", "/api/v1/workspaces", undefined, { key: second });
    expect(r.status).toBe(200);
    // Only the new row was checked.
    expect(a.keyChecker.kdfRuns - runs).toBe(2);
  });

  it("a burst of first requests with one stored key shares one KDF run", async () => {
    const dbPath = tmpDb();
    const a = await start({ dbPath, apiKey: WEAK_KEY, demo: false });
    await a.close();
    // Restarted without --api-key: the key is only in the database, the cache is cold.
    const b = await start({ dbPath });
    const call = client(b.url, WEAK_KEY);
    const runs = b.keyChecker.kdfRuns;
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => call("GET", "/api/v1/workspaces")),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(b.keyChecker.kdfRuns - runs).toBe(1);
  });

  it("bounds a flood of distinct bad keys: one KDF at a time, a short queue, then 429", async () => {
    const dbPath = tmpDb();
    const api = await start({ dbPath, apiKey: WEAK_KEY, demo: false });
    const call = client(api.url, WEAK_KEY);
    const runs = api.keyChecker.kdfRuns;
    const hits = api.keyChecker.cacheHits;
    const flood = Array.from({ length: 30 }, (_, i) =>
      call("GET", "/api/v1/workspaces", undefined, { key: `wvz_guess_${i}` }),
    );
    // While the flood is being checked, a verified key is served from the cache: one cache
    // hit, and no KDF run of its own (every run below is a guess's), so it neither waits in
    // the KDF queue nor is refused by it. Counted, not timed.
    expect((await call("GET", "/api/v1/workspaces")).status).toBe(200);
    expect(api.keyChecker.cacheHits - hits).toBe(1);
    const answers = await Promise.all(flood);
    const statuses = answers.map((a) => a.status);
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
    const limited = answers.filter((a) => a.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0]?.body).toMatchObject({ code: "RATE_LIMITED" });
    expect(limited[0]?.headers["retry-after"]).toBe("1");
    // 1 running + 16 waiting at most, one stored key each.
    expect(api.keyChecker.kdfRuns - runs).toBeLessThanOrEqual(17);
    expect(api.keyChecker.kdfRuns - runs).toBe(statuses.filter((s) => s === 401).length);
  });
});
