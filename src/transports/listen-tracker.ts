import type { ResourceHub } from "../mcp/resources/hub.js";

/** The part of a subscriptions/listen request the change feed cares about. */
export interface ListenInterest {
  uris: string[];
  listChanged: boolean;
}

/**
 * Reads what a 2026 `subscriptions/listen` request asks for, or undefined for any other
 * message. The SDK owns the listen stream itself and has no per-URI hook, so the transports
 * look at the request on its way in to keep the change feed running for those URIs.
 */
export function listenInterest(message: unknown): ListenInterest | undefined {
  if (typeof message !== "object" || message === null) return undefined;
  const m = message as { method?: unknown; params?: { notifications?: unknown } };
  if (m.method !== "subscriptions/listen") return undefined;
  const n = m.params?.notifications;
  if (typeof n !== "object" || n === null) return { uris: [], listChanged: false };
  const { resourceSubscriptions, resourcesListChanged } = n as Record<string, unknown>;
  const uris = Array.isArray(resourceSubscriptions)
    ? resourceSubscriptions.filter((u): u is string => typeof u === "string")
    : [];
  return { uris, listChanged: resourcesListChanged === true };
}

/** Registers a listen stream's interest with the hub; the returned function ends it. */
export function watchListen(hub: ResourceHub, interest: ListenInterest): () => void {
  const watcher = {};
  hub.watch(watcher, interest.uris, interest.listChanged);
  return () => hub.detach(watcher);
}
