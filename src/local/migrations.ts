import { JOURNAL_SCHEMA } from "./journal-store.js";
import type { SqliteDatabase } from "./sqlite.js";

/** The single organisation of a local database (the spec's example org id). */
export const LOCAL_ORG_ID = "550e8400-e29b-41d4-a716-446655440000";

/**
 * Schema migrations, applied in order; `PRAGMA user_version` holds how many ran. Never edit
 * a shipped migration: append a new one.
 */
export const MIGRATIONS: ReadonlyArray<(db: SqliteDatabase) => void> = [
  (db) => {
    db.exec(`
      CREATE TABLE orgs (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE TABLE workspaces (
        id TEXT PRIMARY KEY,
        org_id TEXT NOT NULL REFERENCES orgs(id),
        name TEXT NOT NULL,
        slug TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE end_users (
        id TEXT PRIMARY KEY,
        workspace_id TEXT NOT NULL REFERENCES workspaces(id),
        external_id TEXT NOT NULL,
        display_name TEXT,
        email TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (workspace_id, external_id)
      );
      -- Secrets are never stored in clear (migration 4 replaced secret_hash by secret_enc).
      CREATE TABLE connections (
        id TEXT PRIMARY KEY,
        org_id TEXT NOT NULL REFERENCES orgs(id),
        external_id TEXT NOT NULL,
        display_name TEXT NOT NULL,
        integration_name TEXT NOT NULL,
        type TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'ACTIVE',
        scope TEXT NOT NULL,
        workspace_id TEXT REFERENCES workspaces(id),
        end_user_id TEXT,
        secret_hash TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (integration_name, external_id)
      );
      CREATE INDEX connections_workspace ON connections(workspace_id);
      CREATE TABLE workspace_integrations (
        id TEXT PRIMARY KEY,
        workspace_id TEXT NOT NULL REFERENCES workspaces(id),
        org_id TEXT NOT NULL REFERENCES orgs(id),
        integration_name TEXT NOT NULL,
        alias TEXT NOT NULL,
        display_name TEXT,
        connection_strategy TEXT NOT NULL,
        connection_id TEXT REFERENCES connections(id),
        enabled_actions TEXT,
        settings TEXT NOT NULL DEFAULT '{}',
        sort_order INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (workspace_id, alias)
      );
      CREATE INDEX workspace_integrations_order
        ON workspace_integrations(workspace_id, sort_order, created_at);
      CREATE INDEX workspace_integrations_connection ON workspace_integrations(connection_id);
      -- API keys: a hash of the key, never the key itself (salted scrypt since migration 5).
      CREATE TABLE api_keys (
        key_hash TEXT PRIMARY KEY,
        created_at TEXT NOT NULL
      );
      -- A cheap change marker: bumped by every write transaction (see Store.write).
      CREATE TABLE change_seq (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        seq INTEGER NOT NULL
      );
      INSERT INTO change_seq (id, seq) VALUES (1, 0);
    `);
    db.prepare("INSERT INTO orgs (id, name, created_at) VALUES (?, ?, ?)").run(
      LOCAL_ORG_ID,
      "Local organization",
      new Date().toISOString(),
    );
  },
  // 2: MCP servers. Their tools are derived from the workspace's integrations at read time,
  // so there is no tools table to keep in sync.
  (db) => {
    db.exec(`
      -- bearer_token_hash: a hash of the static mcp_ token, never the token (scrypt since 5).
      CREATE TABLE mcp_servers (
        id TEXT PRIMARY KEY,
        org_id TEXT NOT NULL REFERENCES orgs(id),
        workspace_id TEXT NOT NULL REFERENCES workspaces(id),
        name TEXT NOT NULL,
        description TEXT,
        mode TEXT NOT NULL CHECK (mode IN ('TOOLS', 'CODE')),
        auth_mode TEXT NOT NULL CHECK (auth_mode IN ('oauth', 'bearer', 'oauth_and_bearer')),
        bearer_token_hash TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX mcp_servers_workspace ON mcp_servers(workspace_id, created_at);
    `);
  },
  // 3: state of the built-in actions (kv-store, storage) and idempotent execution results.
  // `scope` is the persistence scope key (see execute/scope.ts); these tables are written
  // outside Store.write, so running an action never moves the configuration change marker.
  (db) => {
    db.exec(`
      CREATE TABLE kv_entries (
        scope TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (scope, key)
      );
      CREATE TABLE stored_files (
        scope TEXT NOT NULL,
        path TEXT NOT NULL,
        content BLOB NOT NULL,
        content_type TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (scope, path)
      );
      CREATE TABLE execution_results (
        workspace_id TEXT NOT NULL,
        idempotency_key TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        result TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (workspace_id, idempotency_key)
      );
      CREATE INDEX execution_results_created ON execution_results(created_at);
    `);
  },
  // 4: connection secrets sealed with AES-256-GCM under a key kept outside the database
  // (secrets.ts), instead of an unsalted SHA-256 that was guessable offline. A hash cannot be
  // turned back into the secret and nothing ever read it, so existing hashes are dropped:
  // such connections hold no secret until they are created again.
  (db) => {
    db.exec(`
      ALTER TABLE connections ADD COLUMN secret_enc BLOB;
      ALTER TABLE connections DROP COLUMN secret_hash;
    `);
  },
  // 5: api_keys.key_hash and mcp_servers.bearer_token_hash hold scrypt PHC strings with a
  // per-key salt (key-hash.ts) instead of an unsalted SHA-256 hex, which a copied database
  // let anyone test weak keys against at GPU speed. The keys themselves are unknown here, so
  // old rows are rewritten on their first successful use (key-check.ts), not now. The schema
  // is unchanged, but the version moves: an older weavz-mcp then refuses this database with
  // "upgrade weavz-mcp" instead of rejecting every salted key and storing unsalted ones again.
  () => {},
  // 6: the change journal (journal-store.ts): one entry per integration write, written in the
  // write's own transaction, with the configuration before and after (never a secret).
  (db) => {
    db.exec(JOURNAL_SCHEMA);
  },
];
