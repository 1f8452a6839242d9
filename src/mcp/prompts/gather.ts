import { WeavzApiError } from "../../api/errors.js";
import type { WeavzApi } from "../../api/types.js";
import { authModeUsesBearer } from "../../domain/mcp-server.js";
import type { AuditFacts } from "./audit.js";

/** Reads what audit_workspace needs from the API (each read independent of the others). */
export async function gatherAuditFacts(
  api: WeavzApi,
  workspaceId: string,
  signal: AbortSignal,
): Promise<AuditFacts> {
  const opts = { signal };
  const [{ integrations }, endUsers, servers] = await Promise.all([
    api.listWorkspaceIntegrations(workspaceId, opts),
    api.listEndUsers({ workspaceId, limit: 1 }, opts).then(
      (r) => r.total,
      // An API without end users (older hosted versions) leaves that check out, not the audit.
      () => undefined,
    ),
    api.listMcpServers({ workspaceId, limit: 100 }, opts),
  ]);
  const names = [...new Set(integrations.map((i) => i.integrationName))];
  const catalogActions: Record<string, string[] | null> = {};
  await Promise.all(
    names.map(async (name) => {
      try {
        const { integration } = await api.getCatalogIntegration(name, opts);
        catalogActions[name] = integration.actions.map((a) => a.name);
      } catch (err) {
        if (err instanceof WeavzApiError && err.status === 404) catalogActions[name] = null;
        else throw err;
      }
    }),
  );
  return {
    workspaceId,
    integrations,
    endUserCount: endUsers,
    catalogActions,
    bearerServers: servers.servers
      .filter((s) => authModeUsesBearer(s.authMode))
      .map((s) => ({ id: s.id, name: s.name })),
  };
}
