import type { JSONRPCMessage } from "@modelcontextprotocol/server";

/**
 * JSON texts of `structuredContent` objects that a result builder already serialized (the
 * same data is also in the text content, so it was stringified once for that). A line
 * writer that sees one of these objects splices the text in instead of serializing the
 * data a second time: on stdio this is the largest part of a list result's line.
 *
 * Only a builder that will not mutate the object afterwards may register it (a masked
 * result is rewritten in place, so it is never registered). Entries go with their objects.
 */
const serialized = new WeakMap<object, string>();

/** Records that `json` is exactly `JSON.stringify(value)`, for {@link stringifyMessage}. */
export function rememberJson(value: object, json: string): void {
  serialized.set(value, json);
}

/**
 * `JSON.stringify(message)`, reusing the remembered JSON of a result's structuredContent.
 * Key order differs from JSON.stringify's (`jsonrpc`, `id`, `result` first), which JSON
 * readers do not see.
 */
export function stringifyMessage(message: JSONRPCMessage): string {
  const result = (message as { result?: unknown }).result;
  if (!result || typeof result !== "object") return JSON.stringify(message);
  const sc = (result as { structuredContent?: unknown }).structuredContent;
  const json = sc && typeof sc === "object" ? serialized.get(sc) : undefined;
  // Only the plain response shape is rebuilt by hand; anything else goes the usual way.
  if (json === undefined || Object.keys(message).length !== 3 || !("id" in message)) {
    return JSON.stringify(message);
  }
  const { structuredContent: _, ...rest } = result as Record<string, unknown>;
  const head = JSON.stringify(rest);
  const body =
    head === "{}"
      ? `{"structuredContent":${json}}`
      : `${head.slice(0, -1)},"structuredContent":${json}}`;
  return `{"jsonrpc":"2.0","id":${JSON.stringify(message.id)},"result":${body}}`;
}
