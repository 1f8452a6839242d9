import {
  CLIENT_CAPABILITIES_META_KEY,
  type ClientCapabilities,
  MissingRequiredClientCapabilityError,
  type ServerContext,
} from "@modelcontextprotocol/server";

/**
 * Client capabilities a tool may rely on (declared on its definition as
 * `needsClientCapabilities`). The server checks them before the handler runs: a server must
 * not rely on a capability the client did not declare (MCP 2026-07-28, SEP-2575).
 */
export type ClientCapabilityName = "sampling" | "elicitation" | "roots";

/** Client capabilities of a request: the 2026 per-request envelope, else the handshake's. */
export function requestCapabilities(
  mcpCtx: ServerContext,
  handshake: () => ClientCapabilities | undefined,
): ClientCapabilities | undefined {
  // The SDK types the envelope as an open object; its keys are the spec's meta keys.
  const envelope: Readonly<Record<string, unknown>> | undefined = mcpCtx.mcpReq.envelope;
  const fromEnvelope = envelope?.[CLIENT_CAPABILITIES_META_KEY] as ClientCapabilities | undefined;
  return fromEnvelope ?? handshake();
}

/**
 * The needed capabilities the client did not declare, in the ClientCapabilities shape the
 * spec asks for in the error's `data.requiredCapabilities` (e.g. `{ sampling: {} }`);
 * undefined when every one is declared.
 */
function missingClientCapabilities(
  needs: readonly ClientCapabilityName[],
  declared: ClientCapabilities | undefined,
): ClientCapabilities | undefined {
  const missing: Record<string, object> = {};
  for (const name of needs) {
    const value = declared?.[name];
    // Declared means present as an object; `{}` is a full declaration (no sub-features).
    if (value === undefined || value === null || typeof value !== "object") missing[name] = {};
  }
  return Object.keys(missing).length > 0 ? (missing as ClientCapabilities) : undefined;
}

/**
 * Refuses a tool call whose tool needs client capabilities the client did not declare, with
 * the spec's MissingRequiredClientCapability error (-32021; the SDK answers it with HTTP 400
 * on the 2026 HTTP transport). The 2025 revision has no code of its own for this; the same
 * error (a server-defined code in its range) tells a 2025 client exactly what is missing.
 */
export function assertClientCapabilities(
  tool: string,
  needs: readonly ClientCapabilityName[],
  declared: ClientCapabilities | undefined,
  era: "legacy" | "modern",
): void {
  const missing = missingClientCapabilities(needs, declared);
  if (missing === undefined) return;
  const names = Object.keys(missing).join(", ");
  const where =
    era === "modern"
      ? "this request's client capabilities (_meta io.modelcontextprotocol/clientCapabilities) do not declare it"
      : "the client did not declare it when it initialized the connection";
  throw new MissingRequiredClientCapabilityError(
    { requiredCapabilities: missing },
    `Tool "${tool}" needs the client's ${names} capability, and ${where}. It runs only from a client that supports ${names}.`,
  );
}
