import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEMO } from "../../src/local/demo.js";
import { legacyHash, verifySecret } from "../../src/local/key-hash.js";
import { MIGRATIONS } from "../../src/local/migrations.js";
import { startLocalApi } from "../../src/local/server.js";
import { Database, sqliteDriver } from "../../src/local/sqlite.js";
import { client, startTestLocalApi } from "../helpers/local-api.js";

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), "weavz-store-"));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("demo data", () => {
  it("is seeded on a new database by default", async () => {
    const local = await startTestLocalApi();
    const call = client(local.url, local.apiKey);
    const ws = await call("GET", `/api/v1/workspaces/${DEMO.workspaceId}`);
    expect(ws.body.workspace).toMatchObject({ name: "Demo Workspace", slug: "demo" });
    const conns = await call("GET", "/api/v1/connections");
    expect(conns.body.total).toBe(5);
    const bot = conns.body.connections.find(
      (c: { id: string }) => c.id === DEMO.slackBotConnectionId,
    );
    expect(bot).toMatchObject({
      displayName: "Slack Bot",
      externalId: "slack_bot",
      integrationName: "slack",
    });
    const users = await call("GET", `/api/v1/end-users?workspaceId=${DEMO.workspaceId}`);
    expect(users.body.endUsers[0].externalId).toBe("user_123");
    expect(
      (await call("GET", `/api/v1/workspaces/${DEMO.workspaceId}/integrations`)).body.total,
    ).toBe(0);
    await local.close();
  });

  it("is absent with demo=false (--no-demo), and never added to an existing database", async () => {
    const dir = tmp();
    const dbPath = join(dir, "d.db");
    const a = await startTestLocalApi({ dbPath, demo: false });
    const call = client(a.url, a.apiKey);
    expect((await call("GET", "/api/v1/workspaces")).body).toEqual({ workspaces: [], total: 0 });
    expect((await call("GET", "/api/v1/connections")).body.total).toBe(0);
    await a.close();
    const b = await startTestLocalApi({ dbPath, demo: true });
    expect((await client(b.url, b.apiKey)("GET", "/api/v1/workspaces")).body.total).toBe(0);
    await b.close();
  });
});

// Child processes run on the same Node with the same env, so on the same driver.
describe(`persistence and keys (SQLite driver: ${sqliteDriver()})`, () => {
  it("data survives close and reopen of the same file", async () => {
    const dir = tmp();
    const dbPath = join(dir, "p.db");
    const a = await startTestLocalApi({ dbPath });
    let call = client(a.url, a.apiKey);
    const created = await call("POST", `/api/v1/workspaces/${DEMO.workspaceId}/integrations`, {
      integrationName: "kv-store",
      settings: { persistence: { scope: "workspace" } },
    });
    expect(created.status).toBe(201);
    const seqBefore = a.store.changeSeq();
    await a.close();
    const b = await startTestLocalApi({ dbPath });
    call = client(b.url, b.apiKey);
    const list = await call("GET", `/api/v1/workspaces/${DEMO.workspaceId}/integrations`);
    expect(list.body.integrations[0]).toMatchObject({
      id: created.body.integration.id,
      settings: { persistence: { scope: "workspace" } },
    });
    expect(b.store.changeSeq()).toBe(seqBefore);
    await b.close();
  });

  it("change_seq increases with every write, not with reads or failed writes", async () => {
    const local = await startTestLocalApi();
    const call = client(local.url, local.apiKey);
    const s0 = local.store.changeSeq();
    await call("GET", "/api/v1/workspaces");
    expect(local.store.changeSeq()).toBe(s0);
    await call("POST", `/api/v1/workspaces/${DEMO.workspaceId}/integrations`, {
      integrationName: "http",
    });
    const s1 = local.store.changeSeq();
    expect(s1).toBe(s0 + 1);
    await call("POST", `/api/v1/workspaces/${DEMO.workspaceId}/integrations`, {
      integrationName: "http",
    });
    expect(local.store.changeSeq()).toBe(s1);
    await call("POST", "/api/v1/workspaces", { name: "x", slug: "x" });
    expect(local.store.changeSeq()).toBe(s1 + 1);
    await local.close();
  });

  it("generates a key on a new database only; stores hashes only; adds a given key", async () => {
    const dir = tmp();
    const dbPath = join(dir, "k.db");
    const first = await startLocalApi({ dbPath, port: 0 });
    const key = first.generatedApiKey as string;
    expect(key).toMatch(/^wvz_[0-9A-Za-z]{32}$/);
    expect((await client(first.url, key)("GET", "/api/v1/workspaces")).status).toBe(200);
    await first.close();

    const second = await startLocalApi({ dbPath, port: 0 });
    expect(second.generatedApiKey).toBeUndefined();
    expect(second.usingStoredKey).toBe(true);
    expect((await client(second.url, key)("GET", "/api/v1/workspaces")).status).toBe(200);
    await second.close();

    const third = await startLocalApi({ dbPath, port: 0, apiKey: "wvz_second_key_000001" });
    expect(third.generatedApiKey).toBeUndefined();
    for (const k of [key, "wvz_second_key_000001"]) {
      expect((await client(third.url, k)("GET", "/api/v1/workspaces")).status).toBe(200);
    }
    await third.close();

    const db = new Database(dbPath, { readonly: true });
    const hashes = db.prepare("SELECT key_hash FROM api_keys ORDER BY rowid").pluck().all();
    db.close();
    expect(hashes).toHaveLength(2);
    const [generated, given] = hashes as string[];
    expect(await verifySecret(key, generated as string)).toBe(true);
    expect(await verifySecret("wvz_second_key_000001", given as string)).toBe(true);
    expect(hashes).not.toContain(legacyHash(key));
    expect(hashes).not.toContain(legacyHash("wvz_second_key_000001"));
  });

  it("uses WAL, foreign keys and a migrated schema", async () => {
    const local = await startTestLocalApi();
    const db = local.store.db;
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(db.pragma("foreign_keys", { simple: true })).toBe(1);
    expect(db.pragma("user_version", { simple: true })).toBe(MIGRATIONS.length);
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    await local.close();
  });
});
