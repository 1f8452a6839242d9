import { integrationConfigOf, type WorkspaceIntegration } from "../domain/index.js";
import type {
  Actor,
  ChangeContext,
  ChangeEntry,
  ChangeJournal,
  ChangePage,
  ChangeQuery,
} from "../domain/journal.js";
import { integrationChange } from "../domain/journal.js";
import type { Logger } from "../log.js";
import { WeavzApiError } from "./errors.js";
import type { CallOptions, WeavzApi } from "./types.js";

/** Largest page the history endpoint serves; longer reads page through it. */
const HISTORY_PAGE = 100;

/**
 * The journal as an API serves it (GET …/history): the local API, which records every write
 * itself, or an API wrapped by journaledApi (hosted mode: the MCP server's own journal).
 * `record` is not offered: entries are written where the change is made.
 */
export function apiJournal(
  api: WeavzApi,
  kind: ChangeJournal["kind"],
  opts: CallOptions = {},
): ChangeJournal {
  return {
    kind,
    async record() {
      throw new Error("entries are recorded by the API with each write, not by callers");
    },
    async list(q: ChangeQuery): Promise<ChangePage> {
      const entries: ChangeEntry[] = [];
      let total = 0;
      for (let offset = q.offset; ; ) {
        const limit = Math.min(HISTORY_PAGE, q.limit - entries.length);
        const page = await api.listChanges({ ...q, offset, limit }, opts);
        entries.push(...page.entries);
        total = page.total;
        offset += page.entries.length;
        if (page.entries.length < limit || entries.length >= q.limit || offset >= total) break;
      }
      return { entries, total };
    },
    async get(id: string) {
      try {
        return (await api.getChange(id, opts)).change;
      } catch (err) {
        if (err instanceof WeavzApiError && err.status === 404) return undefined;
        throw err;
      }
    },
  };
}

/**
 * The API with every write's ChangeContext carrying this actor (unless the call names one):
 * the MCP server wraps each tool call's API in it, the CLI its whole run.
 */
export function attributedApi(api: WeavzApi, actor: Actor): WeavzApi {
  const withActor = (o: CallOptions | undefined): CallOptions => ({
    ...o,
    change: { ...o?.change, actor: o?.change?.actor ?? actor },
  });
  return new Proxy(api, {
    get(target, prop, receiver) {
      if (prop === "createWorkspaceIntegration")
        return (ws: string, body: never, o?: CallOptions) =>
          target.createWorkspaceIntegration(ws, body, withActor(o));
      if (prop === "updateWorkspaceIntegration")
        return (ws: string, id: string, body: never, o?: CallOptions) =>
          target.updateWorkspaceIntegration(ws, id, body, withActor(o));
      if (prop === "deleteWorkspaceIntegration")
        return (ws: string, id: string, o?: CallOptions) =>
          target.deleteWorkspaceIntegration(ws, id, withActor(o));
      return Reflect.get(target, prop, receiver);
    },
  });
}

const UNKNOWN_ACTOR: Actor = { client: null, principal: { kind: "unknown", label: null } };

/**
 * Hosted mode: the hosted API keeps no history, so this process journals the writes it makes
 * (and only those: changes made elsewhere are not in it, and the tools say so). An entry is
 * written after the API confirms the write, with the configuration read just before it; a
 * journal that cannot be written is logged, never turned into a failed write (the change
 * happened). `listChanges`/`getChange` are served from the journal.
 */
export function journaledApi(api: WeavzApi, journal: ChangeJournal, log: Logger): WeavzApi {
  const record = async (
    ws: string,
    before: WorkspaceIntegration | undefined,
    after: WorkspaceIntegration | undefined,
    ctx: ChangeContext | undefined,
  ) => {
    const config = (i: WorkspaceIntegration | undefined) =>
      i ? { id: i.id, ...integrationConfigOf(i) } : null;
    const entry = integrationChange(ws, config(before), config(after), {
      ...ctx,
      actor: ctx?.actor ?? UNKNOWN_ACTOR,
    });
    if (!entry) return;
    try {
      await journal.record([entry]);
    } catch (err) {
      log.warn(
        `change journal: could not record ${entry.operation} of "${entry.target.alias}" in workspace ${ws} (${(err as Error).message}); the change itself was made`,
      );
    }
  };
  const current = async (ws: string, id: string, o?: CallOptions) =>
    (
      await api.listWorkspaceIntegrations(ws, o?.signal ? { signal: o.signal } : {})
    ).integrations.find((i) => i.id === id);
  return new Proxy(api, {
    get(target, prop, receiver) {
      switch (prop) {
        case "createWorkspaceIntegration":
          return async (ws: string, body: never, o?: CallOptions) => {
            const res = await target.createWorkspaceIntegration(ws, body, o);
            await record(ws, undefined, res.integration, o?.change);
            return res;
          };
        case "updateWorkspaceIntegration":
          return async (ws: string, id: string, body: never, o?: CallOptions) => {
            const before = await current(ws, id, o);
            const res = await target.updateWorkspaceIntegration(ws, id, body, o);
            await record(ws, before, res.integration, o?.change);
            return res;
          };
        case "deleteWorkspaceIntegration":
          return async (ws: string, id: string, o?: CallOptions) => {
            const before = await current(ws, id, o);
            const res = await target.deleteWorkspaceIntegration(ws, id, o);
            if (before) await record(ws, before, undefined, o?.change);
            return res;
          };
        case "listChanges":
          return (q: Parameters<WeavzApi["listChanges"]>[0]) =>
            journal.list({
              workspaceId: q.workspaceId,
              integration: q.integration,
              since: q.since,
              planId: q.planId,
              limit: q.limit ?? 20,
              offset: q.offset ?? 0,
            });
        case "getChange":
          return async (id: string) => {
            const change = await journal.get(id);
            if (!change) {
              throw new WeavzApiError({
                status: 404,
                code: "NOT_FOUND",
                message: `Change ${id} is not in this server's journal.`,
                method: "GET",
                path: "/api/v1/history/{changeId}",
              });
            }
            return { change };
          };
        default:
          return Reflect.get(target, prop, receiver);
      }
    },
  });
}
