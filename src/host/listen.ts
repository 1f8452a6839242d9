import type { AuthInfo } from "@modelcontextprotocol/server";

/** What a 2026 `subscriptions/listen` request asks to hear about. */
export interface ListenInterest {
  /** `resourceSubscriptions`: URIs whose `notifications/resources/updated` it wants. */
  uris: string[];
  /** `resourcesListChanged`. */
  listChanged: boolean;
}

/**
 * What the server does when a listen stream opens: a refusal (answered as a JSON-RPC -32602
 * error instead of the stream), or the function that ends its interest when the stream ends.
 *
 * The SDK owns the listen stream itself (ack, filter, subscriptionId tagging) but has no
 * per-URI attach/detach or authorization hook (typescript-sdk issue #2827): until it has one,
 * the host reads the request on its way in and hands it to this hook.
 */
export type ListenHook = (
  interest: ListenInterest,
  authInfo: AuthInfo | undefined,
) => { refusal: string } | { stop: () => void };

/**
 * Reads what a 2026 `subscriptions/listen` request asks for, or undefined for any other
 * message.
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
