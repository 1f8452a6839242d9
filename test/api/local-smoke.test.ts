/**
 * The real client against the real local API (if src/local/server.ts is present; skipped only
 * when the module is missing).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createWeavzClient } from "../../src/api/client.js";
import { WeavzApiError } from "../../src/api/errors.js";
import { silentLogger } from "../../src/log.js";
import { caught, WS } from "./helpers.js";

type LocalModule = typeof import("../../src/local/server.js");
const SERVER_MODULE = "../../src/local/server.js";
let local: LocalModule | undefined;
try {
  local = (await import(SERVER_MODULE)) as LocalModule;
} catch (err) {
  if ((err as { code?: string }).code !== "ERR_MODULE_NOT_FOUND") throw err;
}

describe.skipIf(!local?.startLocalApi)("client ↔ local API smoke", () => {
  it("create → list → update → delete, and a typed error", async () => {
    const dir = mkdtempSync(join(tmpdir(), "weavz-client-smoke-"));
    const apiKey = "wvz_smoke_0123456789abcdefghij";
    const api = await (local as LocalModule).startLocalApi({
      dbPath: join(dir, "local.db"),
      apiKey,
      port: 0,
      log: silentLogger,
    });
    const c = createWeavzClient({ baseUrl: api.url, apiKey, timeoutMs: 5000 });
    try {
      expect((await c.health()).status).toBe("healthy");
      const created = await c.createWorkspaceIntegration(WS, {
        integrationName: "slack",
        alias: "smoke_slack",
        connectionStrategy: "fixed",
        connectionId: "conn_slack_bot",
      });
      expect(created.reconciled).toBeUndefined();
      expect(created.integration).toMatchObject({ alias: "smoke_slack", integrationName: "slack" });
      const id = created.integration.id;

      const list = await c.listWorkspaceIntegrations(WS);
      expect(list.integrations.map((i) => i.alias)).toContain("smoke_slack");

      const updated = await c.updateWorkspaceIntegration(WS, id, { displayName: "Smoke" });
      expect(updated.integration.displayName).toBe("Smoke");

      expect(await c.deleteWorkspaceIntegration(WS, id)).toEqual({ deleted: true, id });

      const err = (await caught(() => c.deleteWorkspaceIntegration(WS, id))) as WeavzApiError;
      expect(err).toBeInstanceOf(WeavzApiError);
      expect(err.status).toBe(404);
      expect(err.requestId).toBeTruthy();

      const bad = createWeavzClient({ baseUrl: api.url, apiKey: "wvz_wrong_key_000000000" });
      const unauth = (await caught(() => bad.listWorkspaces())) as WeavzApiError;
      expect(unauth.status).toBe(401);
      await bad.close();
    } finally {
      await c.close();
      await api.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
