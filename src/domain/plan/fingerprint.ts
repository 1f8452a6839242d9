// Owns the plan's hashes: canonical JSON, the live-state fingerprint and the steps digest.
import { createHash } from "node:crypto";
import { integrationConfigOf } from "../integration-rules.js";
import type { DesiredState, LiveState, PlanStepWire } from "./model.js";

/** JSON with object keys sorted at every level: equal values give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (!v || typeof v !== "object" || Array.isArray(v)) return v;
    const obj = v as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(obj)
        .sort()
        .filter((k) => obj[k] !== undefined)
        .map((k) => [k, obj[k]]),
    );
  });
}

/**
 * A hash of what a plan depends on: the desired state it was computed for (every entry and
 * `prune`), the workspace's integrations (every configured field), its static-bearer MCP
 * servers, and the connections the desired state pins. A plan applies only while this is
 * unchanged; a plan sent back with an edited desired state no longer matches it.
 */
export function fingerprintLiveState(live: LiveState, desired: DesiredState): string {
  const pinned = new Set(
    Object.values(desired.integrations)
      .map((d) => d.connectionId)
      .filter((c): c is string => typeof c === "string"),
  );
  const material = {
    desired,
    workspaceId: live.workspaceId,
    integrations: [...live.integrations]
      .map((i) => ({ id: i.id, ...integrationConfigOf(i) }))
      .sort((a, b) => a.id.localeCompare(b.id)),
    bearerServers: live.bearerServers.map((s) => s.id).sort(),
    connections: live.connections
      .filter((c) => pinned.has(c.id))
      .map((c) => [c.id, c.integrationName])
      .sort(),
  };
  return `sha256:${createHash("sha256").update(canonicalJson(material)).digest("hex").slice(0, 32)}`;
}

/**
 * A digest of a plan's steps, everything they would send and change: what a confirmation
 * binds, and what an apply recomputes and compares before it writes anything.
 */
export function stepsDigest(steps: readonly PlanStepWire[]): string {
  return `sha256:${createHash("sha256").update(canonicalJson(steps)).digest("hex").slice(0, 32)}`;
}
