import {
  ProtocolError,
  ProtocolErrorCode,
  type ReadResourceResult,
  type Resource,
  type Server,
  type ServerContext,
} from "@modelcontextprotocol/server";
import type { WeavzApi } from "../../api/types.js";
import type { Logger } from "../../log.js";
import type { Inventory } from "../inventory.js";
import { UriParamsSchema } from "../request-params.js";
import { errorToProtocolError } from "../results/errors.js";
import { scopedApi, scopeOf } from "../scope.js";
import type { ResourceHub } from "./hub.js";
import {
  instanceUri,
  isTemplate,
  JSON_MIME,
  type ResourceDef,
  type ResourceRef,
} from "./resource.js";

/** What the resource handlers need: the API, the exposed resources and the change hub. */
export interface ResourceHandlerDeps {
  api: WeavzApi;
  log: Logger;
  hub: ResourceHub;
  inventory: Pick<Inventory, "resources" | "parseUri">;
  /**
   * Resources served beside the inventory's, per client (the MCP Apps views, which only
   * clients that render them see): listed after the inventory's, read before it.
   */
  views?: {
    list(ctx: ServerContext): readonly Resource[];
    read(uri: string): ReadResourceResult | undefined;
  };
}

const entry = (def: ResourceDef) => ({
  name: def.name,
  title: def.title,
  description: def.description,
  mimeType: def.mimeType,
  ...(def.meta ? { _meta: def.meta } : {}),
});

/**
 * resources/list, resources/templates/list, resources/read and 2025 subscriptions for one
 * server instance, all from the inventory's definitions (completion of template variables
 * lives with the prompts: prompts/register.ts). Each request goes through the caller's
 * workspace limit (none without auth).
 */
export function registerResourceHandlers(server: Server, deps: ResourceHandlerDeps): void {
  const { resources, parseUri } = deps.inventory;
  const fixed = resources.filter((r) => !isTemplate(r));
  const templates = resources.filter(isTemplate);
  const templateList = templates.map((def) => ({
    uriTemplate: def.uri,
    ...entry(def),
  }));
  const known = resources.map((r) => r.uri).join(", ");
  const apiFor = (ctx: ServerContext) => scopedApi(deps.api, scopeOf(ctx.http?.authInfo));
  const refOf = (uri: string): ResourceRef => {
    const ref = parseUri(uri);
    if (!ref) {
      throw new ProtocolError(
        ProtocolErrorCode.InvalidParams,
        `Unknown resource ${uri}. Resources: ${known}.`,
        { uri },
      );
    }
    return ref;
  };

  server.setRequestHandler("resources/list", async (_req, ctx) => {
    const listed: Resource[] = fixed.map((def) => ({ uri: def.uri, ...entry(def) }));
    const perWorkspace = templates.filter((def) => def.listed);
    if (perWorkspace.length === 0)
      return { resources: [...listed, ...(deps.views?.list(ctx) ?? [])] };
    const { workspaces } = await apiFor(ctx).listWorkspaces(
      { limit: 100 },
      { signal: ctx.mcpReq.signal },
    );
    for (const w of workspaces) {
      for (const def of perWorkspace) {
        const { name, title } = def.listed?.(w) ?? def;
        listed.push({ uri: instanceUri(def, w.id), name, title, mimeType: def.mimeType });
      }
    }
    return { resources: [...listed, ...(deps.views?.list(ctx) ?? [])] };
  });
  server.setRequestHandler("resources/templates/list", async () => ({
    resourceTemplates: templateList,
  }));
  server.setRequestHandler("resources/read", async (req, ctx) => {
    const view = deps.views?.read(req.params.uri);
    if (view) return view;
    const ref = refOf(req.params.uri);
    try {
      const data = await ref.def.read({
        api: apiFor(ctx),
        uri: ref.uri,
        signal: ctx.mcpReq.signal,
        ...(ref.workspaceId !== undefined ? { workspaceId: ref.workspaceId } : {}),
      });
      const text =
        ref.def.mimeType === JSON_MIME || typeof data !== "string" ? JSON.stringify(data) : data;
      return {
        contents: [
          {
            uri: ref.uri,
            mimeType: ref.def.mimeType,
            text,
            ...(ref.def.meta ? { _meta: ref.def.meta } : {}),
          },
        ],
      };
    } catch (err) {
      // `data.uri` names the resource, as the spec asks of resource errors (SEP-2164).
      throw errorToProtocolError(err, deps.log, `resources/read ${ref.uri}`, { uri: ref.uri });
    }
  });
  // Params schemas of our own: a malformed request gets -32602 and one sentence (request-params.ts).
  server.setRequestHandler(
    "resources/subscribe",
    { params: UriParamsSchema },
    async (params, ctx) => {
      const { uri } = refOf(params.uri);
      try {
        const interest = { uris: [uri], listChanged: false };
        await deps.hub.watch(server, interest, {
          scope: scopeOf(ctx.http?.authInfo),
          strict: true,
        });
      } catch (err) {
        throw errorToProtocolError(err, deps.log, `resources/subscribe ${uri}`, { uri });
      }
      return {};
    },
  );
  server.setRequestHandler("resources/unsubscribe", { params: UriParamsSchema }, async (params) => {
    deps.hub.unsubscribe(server, params.uri);
    return {};
  });
}
