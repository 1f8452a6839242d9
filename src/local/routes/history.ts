import { z } from "zod";
import { CHANGE_HEADER, decodeChangeContext, HISTORY_PAGE_MAX } from "../../domain/journal.js";
import { notFound, validationError } from "../errors.js";
import type { WriteContext } from "../journal-store.js";
import { parseWith } from "../validation.js";
import {
  type App,
  type Ctx,
  checkScope,
  type Deps,
  keysOf,
  ok,
  param,
  query,
  requireWorkspace,
  resource,
} from "./context.js";

/** Query of GET …/history; limit up to 100 like every list, plus the journal's filters. */
const HistoryQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(HISTORY_PAGE_MAX).default(20),
  offset: z.coerce.number().int().min(0).default(0),
  integration: z.string().min(1).max(200).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  planId: z.string().min(1).max(200).optional(),
});

/**
 * Who makes a write and why: the x-weavz-change header when the caller sends one (the MCP
 * server and the CLI do: the MCP client, the token's label or OAuth subject), else the API key
 * that authenticated the request. A header that is present but not a valid context is refused,
 * so a caller never believes it was attributed when it was not.
 */
export function writeContext(c: Ctx): WriteContext {
  const raw = c.req.header(CHANGE_HEADER);
  const declared = decodeChangeContext(raw);
  if (raw !== undefined && !declared) {
    throw validationError(
      [
        {
          field: `(header ${CHANGE_HEADER})`,
          message:
            "must be base64url of a JSON change context {actor?, source?, planId?, step?, undoes?}",
        },
      ],
      `Invalid ${CHANGE_HEADER} header: send base64url JSON of the change context, or leave the header out.`,
    );
  }
  const keyLabel = c.get("principal").keyLabel ?? null;
  return {
    ...declared,
    actor: declared?.actor ?? { client: null, principal: { kind: "api_key", label: keyLabel } },
  };
}

/**
 * The change journal (a local extension of the Weavz API): every write to a workspace
 * integration, recorded in the write's own transaction with its configuration before and after.
 */
export function historyRoutes(app: App, deps: Deps): void {
  resource(app, "/api/v1/workspaces/:workspaceId/history", {
    GET: (c) => {
      const ws = requireWorkspace(c, deps, param(c, "workspaceId"));
      const q = parseWith(HistoryQuerySchema, query(c), { allowed: keysOf(HistoryQuerySchema) });
      const page = deps.store.journal.list({ workspaceId: ws.id, ...q });
      return ok(c, { ...page, limit: q.limit, offset: q.offset });
    },
  });
  resource(app, "/api/v1/history/:changeId", {
    GET: (c) => {
      const id = param(c, "changeId");
      const change = deps.store.journal.get(id);
      if (!change) {
        throw notFound(
          `Change ${id} not found; list a workspace's changes with GET /api/v1/workspaces/{workspaceId}/history (older entries are dropped past the history limit).`,
        );
      }
      checkScope(c, change.workspaceId);
      return ok(c, { change });
    },
  });
}
