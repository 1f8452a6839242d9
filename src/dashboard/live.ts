import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import type { ResourceHub } from "../mcp/resources/hub.js";
import { historyUri, integrationsUri, mcpToolsUri, WORKSPACES_URI } from "../mcp/uris.js";

/** A comment line this often keeps proxies from closing an idle stream. */
const KEEPALIVE_MS = 15_000;

/**
 * `GET /events[?workspace=ID]`: Server-Sent Events telling the page that what it shows changed.
 *
 * It follows the same change feed as MCP resource subscriptions (the ResourceHub): changes made
 * through this server's tools arrive at once, changes made elsewhere (another process on the
 * same database, REST calls, another replica through Redis) through the hub's feed, which
 * long-polls the local API's change counter or re-reads the hosted API with backoff. The hub
 * notifies only when a resource's content really changed. Each event just says "changed": the
 * script then fetches the page's live region again, so what it shows is always rendered here.
 */
export function serveEvents(c: Context, hub: ResourceHub, workspaceId: string | undefined) {
  const uris = workspaceId
    ? [integrationsUri(workspaceId), mcpToolsUri(workspaceId), historyUri(workspaceId)]
    : [WORKSPACES_URI];
  const watched = new Set(uris);
  return streamSSE(c, async (stream) => {
    // Identity only: the hub keeps the feed running while this stream watches.
    const watcher = {};
    let closed = false;
    let id = 0;
    const send = (event: string, data: string) => {
      if (closed) return;
      void stream.writeSSE({ event, data, id: String(++id) }).catch(() => {});
    };
    const off = hub.bus.subscribe((event) => {
      if (event.kind === "resource_updated" && watched.has(event.uri)) send("change", event.uri);
      else if (event.kind === "resources_list_changed" && !workspaceId)
        send("change", WORKSPACES_URI);
    });
    const done = new Promise<void>((resolve) => {
      stream.onAbort(() => {
        closed = true;
        off();
        hub.detach(watcher);
        resolve();
      });
    });
    // Watching reads each resource once, so the next change is measured from now.
    await hub
      .watch(watcher, { uris: workspaceId ? uris : [], listChanged: !workspaceId })
      .catch(() => undefined);
    // "ready" tells the script the feed is connected; a change during the subscribe reads
    // above may have been missed, so the script refreshes once on it.
    send("ready", "");
    const ping = setInterval(() => {
      if (!closed) void stream.write(": keep-alive\n\n").catch(() => {});
    }, KEEPALIVE_MS);
    ping.unref();
    await done;
    clearInterval(ping);
  });
}
