/**
 * Issue 8 #9: connection secrets are sealed at rest (AES-256-GCM) under a key kept outside
 * the database, not stored as an unsalted SHA-256; existing rows are migrated.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DEMO } from "../../src/local/demo.js";
import { MIGRATIONS } from "../../src/local/migrations.js";
import {
  loadSecretKey,
  SECRET_KEY_ENV,
  SecretBox,
  secretKeyPath,
} from "../../src/local/secrets.js";
import { Database } from "../../src/local/sqlite.js";
import { Store } from "../../src/local/store/index.js";
import { client, startTestLocalApi, type TestLocalApi } from "../helpers/local-api.js";

const SECRET = "hunter2-correct-horse";
let local: TestLocalApi | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await local?.close();
  local = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Every cell of the connections table as text/hex, and the raw database file. */
function rawRows(dbPath: string): string {
  const db = new Database(dbPath, { readonly: true });
  try {
    const rows = db.prepare("SELECT * FROM connections").all() as Record<string, unknown>[];
    return rows
      .map((r) =>
        Object.values(r)
          .map((v) => (Buffer.isBuffer(v) ? v.toString("hex") : String(v)))
          .join("|"),
      )
      .join("\n");
  } finally {
    db.close();
  }
}

describe("connection secrets at rest", () => {
  it("are sealed with a key file (0600) next to the database, usable again, never returned", async () => {
    local = await startTestLocalApi({ demo: true });
    const call = client(local.url, local.apiKey);
    const secrets = { secretText: SECRET, password: `${SECRET}-pw` };
    const r = await call("POST", "/api/v1/connections", {
      type: "SECRET_TEXT",
      externalId: "sealed_1",
      displayName: "Sealed",
      integrationName: "openai",
      ...secrets,
    });
    expect(r.status).toBe(201);
    expect(r.text).not.toContain(SECRET);
    const got = await call("GET", `/api/v1/connections/${r.body.connection.id}`);
    expect(got.text).not.toContain(SECRET);

    const stored = rawRows(local.dbPath);
    expect(stored).not.toContain(SECRET);
    expect(stored).not.toContain(Buffer.from(SECRET).toString("hex"));
    // Not the old unsalted SHA-256 of the secret fields either.
    const oldHash = createHash("sha256")
      .update(JSON.stringify({ secretText: SECRET, password: `${SECRET}-pw` }))
      .digest("hex");
    expect(stored).not.toContain(oldHash);
    expect(readFileSync(local.dbPath).includes(Buffer.from(SECRET))).toBe(false);

    const keyFile = secretKeyPath(local.dbPath);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(local.store.connections.secrets(r.body.connection.id)).toEqual(secrets);
    // The key is not in the database.
    const key = readFileSync(keyFile, "utf8").trim();
    expect(readFileSync(local.dbPath).includes(Buffer.from(key, "hex"))).toBe(false);
  });

  it("WEAVZ_LOCAL_SECRET_KEY replaces the key file; another key cannot open the value", () => {
    const dir = mkdtempSync(join(tmpdir(), "weavz-secrets-"));
    dirs.push(dir);
    const dbPath = join(dir, "x.db");
    const hex = randomBytes(32).toString("hex");
    const key = loadSecretKey(dbPath, { [SECRET_KEY_ENV]: hex });
    expect(key.toString("hex")).toBe(hex);
    expect(() => statSync(secretKeyPath(dbPath))).toThrow();
    expect(() => loadSecretKey(dbPath, { [SECRET_KEY_ENV]: "short" })).toThrow(/32-byte key/);

    const store = new Store(dbPath, { secretKey: key });
    try {
      const c = store.connections.insert({
        externalId: "e",
        displayName: "d",
        integrationName: "openai",
        type: "SECRET_TEXT",
        scope: "ORGANIZATION",
        workspaceId: null,
        endUserId: null,
        secrets: { secretText: SECRET },
      });
      expect(store.connections.secrets(c.id)).toEqual({ secretText: SECRET });
      const blob = store.db
        .prepare("SELECT secret_enc FROM connections WHERE id = ?")
        .pluck()
        .get(c.id) as Buffer;
      expect(() => new SecretBox(randomBytes(32)).open(blob, c.id)).toThrow();
      // Bound to its row: the same blob does not open as another connection's.
      expect(() => new SecretBox(key).open(blob, "another-id")).toThrow();
    } finally {
      store.close();
    }
  });

  it("a database from before: the SHA-256 column is dropped, the connections stay", () => {
    const dir = mkdtempSync(join(tmpdir(), "weavz-secrets-"));
    dirs.push(dir);
    const dbPath = join(dir, "old.db");
    const old = new Database(dbPath);
    for (const m of MIGRATIONS.slice(0, 3)) m(old);
    old.pragma("user_version = 3");
    old
      .prepare(
        `INSERT INTO connections (id, org_id, external_id, display_name, integration_name, type, status, scope, secret_hash, created_at, updated_at)
       VALUES ('conn_old', '550e8400-e29b-41d4-a716-446655440000', 'old', 'Old', 'openai', 'SECRET_TEXT', 'ACTIVE', 'ORGANIZATION', ?, 'now', 'now')`,
      )
      .run(createHash("sha256").update(SECRET).digest("hex"));
    old.close();

    const store = new Store(dbPath, { secretKey: randomBytes(32) });
    try {
      const cols = (
        store.db.prepare("PRAGMA table_info(connections)").all() as { name: string }[]
      ).map((c) => c.name);
      expect(cols).toContain("secret_enc");
      expect(cols).not.toContain("secret_hash");
      expect(store.connections.get("conn_old")?.displayName).toBe("Old");
      expect(store.connections.secrets("conn_old")).toBeUndefined();
      expect(store.connections.get(DEMO.openaiConnectionId)).toBeUndefined();
    } finally {
      store.close();
    }
  });
});
