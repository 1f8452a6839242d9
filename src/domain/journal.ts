/**
 * THE CHANGE JOURNAL — a contract shared by the local API, the MCP server's own journal (hosted
 * mode), the tools, the CLI, the dashboard and the MCP App. Change it only additively.
 *
 * One entry is one write to one workspace integration (a create, an update, a rename or a
 * delete), with the integration's whole configuration before and after it. A plan apply or an
 * undo writes one entry per step; they share `planId` and say where they came from in
 * `source`. History is never rewritten: an undo is new entries (source "undo", `undoes` naming
 * what they reverse), so an undo can itself be undone.
 *
 * An entry never holds a secret: configurations carry no credentials (connections hold them,
 * by id), and any secret-looking key inside an opaque settings block is replaced by
 * REDACTED and listed in `redacted` (see redactSnapshot).
 */
import { z } from "zod";
import { ConnectionStrategySchema } from "./integration.js";
import { type IntegrationConfig, integrationConfigOf } from "./integration-rules.js";
import { deepEqual } from "./json.js";
import { PLAN_FIELDS } from "./plan/model.js";

/** What one write did to the integration. `rename`: an update whose alias changed. */
export const CHANGE_OPERATIONS = ["create", "update", "rename", "delete"] as const;
export type ChangeOperation = (typeof CHANGE_OPERATIONS)[number];

/**
 * Where a write came from: a single tool call or API request ("direct"), a step of a plan
 * apply ("apply"), or a step of an undo ("undo", which is applied as a plan too).
 */
export const CHANGE_SOURCES = ["direct", "apply", "undo"] as const;
export type ChangeSource = (typeof CHANGE_SOURCES)[number];

/**
 * Kinds of principal: a bearer token of the MCP server's tokens file, an OAuth subject, a local
 * API key, the `weavz-mcp` CLI, a stdio MCP connection (the person at this machine), or
 * unknown (a direct API call with no attribution).
 */
export const PRINCIPAL_KINDS = ["bearer", "oauth", "api_key", "cli", "stdio", "unknown"] as const;
export type PrincipalKind = (typeof PRINCIPAL_KINDS)[number];

/** Outcome: applied; or unknown (the API did not answer; the write may or may not have happened). */
export const CHANGE_OUTCOMES = ["applied", "unknown"] as const;
export type ChangeOutcome = (typeof CHANGE_OUTCOMES)[number];

/** Placeholder for a value left out of a snapshot because it looked like a secret. */
export const REDACTED = "[redacted]";

const Text = z.string().max(500);

export const ActorSchema = z.object({
  /** The MCP client's declared name and version (clientInfo), when the change came through MCP. */
  client: z.object({ name: Text, version: Text }).nullable(),
  principal: z.object({
    kind: z.enum(PRINCIPAL_KINDS),
    /** A token's label, an OAuth subject, a key id, the OS user for cli/stdio; null when none. */
    label: Text.nullable(),
  }),
});
export type Actor = z.infer<typeof ActorSchema>;

/** An integration's whole configuration at one moment (what undo puts back), plus its id. */
export const IntegrationSnapshotSchema = z.object({
  id: z.string(),
  integrationName: z.string(),
  alias: z.string(),
  displayName: z.string().nullable(),
  connectionStrategy: ConnectionStrategySchema,
  connectionId: z.string().nullable(),
  enabledActions: z.array(z.string()).nullable(),
  settings: z.record(z.string(), z.unknown()),
  sortOrder: z.number(),
});
export type IntegrationSnapshot = z.infer<typeof IntegrationSnapshotSchema>;

export const ChangeEntrySchema = z.object({
  /** `chg_` + time-ordered characters: a later entry has a greater id. */
  id: z.string(),
  /** ISO-8601 time of the write. */
  time: z.string(),
  workspaceId: z.string(),
  actor: ActorSchema,
  operation: z.enum(CHANGE_OPERATIONS),
  source: z.enum(CHANGE_SOURCES),
  target: z.object({
    integrationId: z.string(),
    /** The alias after the write (for a delete: the alias removed). */
    alias: z.string(),
    integrationName: z.string(),
  }),
  /** null for a create. */
  before: IntegrationSnapshotSchema.nullable(),
  /** null for a delete. */
  after: IntegrationSnapshotSchema.nullable(),
  /** The plan a step belongs to (source apply or undo); null for a direct write. */
  planId: z.string().nullable(),
  step: z.number().int().nullable(),
  /** For source "undo": the change id or plan id this undo reverses. */
  undoes: z.string().nullable(),
  outcome: z.enum(CHANGE_OUTCOMES),
  /** Snapshot paths whose values were withheld as secrets (undo cannot restore them). */
  redacted: z.array(z.string()).optional(),
});
export type ChangeEntry = z.infer<typeof ChangeEntrySchema>;

/**
 * Who and why, carried with each write from the caller to where it is recorded: to the local
 * API in the `x-weavz-change` header (see CHANGE_HEADER), to the hosted journal in process.
 */
export const ChangeContextSchema = z.object({
  actor: ActorSchema.optional(),
  source: z.enum(CHANGE_SOURCES).optional(),
  planId: z.string().max(200).optional(),
  step: z.number().int().min(1).max(100_000).optional(),
  undoes: z.string().max(200).optional(),
});
export type ChangeContext = z.infer<typeof ChangeContextSchema>;

/**
 * The request header (a documented extension of the Weavz API, like GET …/history) in which
 * the MCP server and the CLI tell the local API who makes a write and why: base64url of the
 * ChangeContext JSON. The local API records it with the write; the hosted API ignores it.
 */
export const CHANGE_HEADER = "x-weavz-change";

/** The CHANGE_HEADER value for a context: base64url of its JSON. */
export function encodeChangeContext(c: ChangeContext): string {
  return Buffer.from(JSON.stringify(c), "utf8").toString("base64url");
}

/** A CHANGE_HEADER value back to a context; undefined when absent or malformed (then ignored). */
export function decodeChangeContext(raw: string | undefined): ChangeContext | undefined {
  if (!raw || raw.length > 4000) return undefined;
  try {
    const parsed = ChangeContextSchema.safeParse(
      JSON.parse(Buffer.from(raw, "base64url").toString("utf8")),
    );
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** A change recorded: everything but the id and time, which the journal assigns. */
export type NewChange = Omit<ChangeEntry, "id" | "time"> & { time?: string };

export interface ChangeQuery {
  workspaceId: string;
  /** An integration id or alias (matches the alias before or after a write). */
  integration?: string | undefined;
  /** ISO-8601: only entries at or after this time. */
  since?: string | undefined;
  /** Only entries of this plan (apply or undo), oldest first when set. */
  planId?: string | undefined;
  limit: number;
  offset: number;
}

export interface ChangePage {
  /** Newest first (except with planId: in step order). */
  entries: ChangeEntry[];
  /** Entries matching the query (before paging). */
  total: number;
}

/** Entries kept per workspace unless configured otherwise (--history-limit). */
export const DEFAULT_HISTORY_LIMIT = 10_000;

/** Largest page GET …/history serves (as every list: 100); longer reads page through it. */
export const HISTORY_PAGE_MAX = 100;

/**
 * THE JOURNAL PORT. Implementations: SQLite (src/local/journal-store.ts, written in the same
 * transaction as the change in the local API; and the MCP server's own journal file in hosted
 * mode), Redis (src/scale/journal.ts, one capped stream per workspace shared by replicas), and
 * the local API's history over HTTP (src/api/journal.ts, read-only: the API records itself).
 */
export interface ChangeJournal {
  /** Where entries come from, for wording ("local API" records everything; "mcp" only its own). */
  readonly kind: "local-api" | "mcp-sqlite" | "mcp-redis";
  /** Appends entries (keeps the last `limit` per workspace); returns them with id and time. */
  record(changes: readonly NewChange[]): Promise<ChangeEntry[]>;
  list(query: ChangeQuery): Promise<ChangePage>;
  get(id: string): Promise<ChangeEntry | undefined>;
  close?(): Promise<void>;
}

let lastMs = 0;
let inMs = 0;
/**
 * A new change id: base36 milliseconds (fixed width), a counter within the millisecond, then
 * random. Strictly increasing within a process (the clock never goes back for ids), ordered by
 * time across processes.
 */
export function newChangeId(now = Date.now()): string {
  if (now <= lastMs) {
    now = lastMs;
    inMs++;
  } else {
    lastMs = now;
    inMs = 0;
  }
  const rand = Buffer.from(crypto.getRandomValues(new Uint8Array(5))).toString("hex");
  return `chg_${now.toString(36).padStart(9, "0")}${(inMs % 1296).toString(36).padStart(2, "0")}${rand}`;
}

/** A change as every journal stores it: a new time-ordered id, and its time (now unless given). */
export function stampChange(c: NewChange, now = Date.now()): ChangeEntry {
  return { id: newChangeId(now), ...c, time: c.time ?? new Date(now).toISOString() } as ChangeEntry;
}

/** The operation a write is, from its before and after. */
export function operationOf(
  before: Pick<IntegrationConfig, "alias"> | null,
  after: Pick<IntegrationConfig, "alias"> | null,
): ChangeOperation {
  if (!before) return "create";
  if (!after) return "delete";
  return before.alias !== after.alias ? "rename" : "update";
}

const SECRET_KEY = /secret|token|password|passwd|api[_-]?key|credential|auth|cookie|private/i;

/**
 * A snapshot of an integration, with any secret-looking key inside settings replaced by
 * REDACTED (the named settings blocks hold no secret; `localBrowser` is opaque, so it is
 * checked). Returns the paths withheld.
 */
export function snapshotOf(i: IntegrationConfig & { id: string }): {
  snapshot: IntegrationSnapshot;
  redacted: string[];
} {
  const redacted: string[] = [];
  const scrub = (value: unknown, path: string): unknown => {
    if (Array.isArray(value)) return value.map((v, n) => scrub(v, `${path}[${n}]`));
    if (!value || typeof value !== "object") return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const p = `${path}.${k}`;
      if (SECRET_KEY.test(k) && v !== null && typeof v !== "boolean") {
        out[k] = REDACTED;
        redacted.push(p);
      } else out[k] = scrub(v, p);
    }
    return out;
  };
  return {
    snapshot: {
      id: i.id,
      ...integrationConfigOf(i),
      settings: scrub(i.settings ?? {}, "settings") as Record<string, unknown>,
    },
    redacted,
  };
}

/** One readable line for an entry, e.g. `chg_… 2026-… update "slack" (slack) by bearer alice via Claude 1.2`. */
export function describeChange(e: ChangeEntry): string {
  const who = [
    `${e.actor.principal.kind}${e.actor.principal.label ? ` ${e.actor.principal.label}` : ""}`,
    e.actor.client ? `via ${e.actor.client.name} ${e.actor.client.version}` : "",
  ]
    .filter(Boolean)
    .join(" ");
  const what =
    e.operation === "rename"
      ? `rename "${e.before?.alias}" → "${e.target.alias}"`
      : `${e.operation} "${e.target.alias}"`;
  const fields =
    e.operation === "update" || e.operation === "rename"
      ? changedFields(e.before, e.after).filter((f) => f !== "alias")
      : [];
  const from =
    e.source === "apply"
      ? ` (plan ${e.planId} step ${e.step})`
      : e.source === "undo"
        ? ` (undo of ${e.undoes}${e.planId ? `, plan ${e.planId}` : ""})`
        : "";
  return `${e.id} ${e.time} ${what} (${e.target.integrationName})${fields.length > 0 ? ` [${fields.join(", ")}]` : ""}${from} by ${who}${e.outcome === "unknown" ? " — outcome unknown" : ""}`;
}

/** Who made a write and why, once the recorder has settled the actor (unknown when none came). */
export type WriteContext = Omit<ChangeContext, "actor"> & { actor: Actor };

/**
 * The entry of one write to an integration (its configuration before and after), or undefined
 * when the write changed no configured field (then nothing is journaled). Shared by every
 * recorder: the local API's store and the hosted-mode journaling wrapper.
 */
export function integrationChange(
  workspaceId: string,
  before: (IntegrationConfig & { id: string }) | null,
  after: (IntegrationConfig & { id: string }) | null,
  ctx: WriteContext,
): NewChange | undefined {
  const b = before ? snapshotOf(before) : undefined;
  const a = after ? snapshotOf(after) : undefined;
  const target = (a ?? b)?.snapshot;
  if (!target) return undefined;
  if (b && a && changedFields(b.snapshot, a.snapshot).length === 0) return undefined;
  const redacted = [...new Set([...(b?.redacted ?? []), ...(a?.redacted ?? [])])];
  return {
    workspaceId,
    actor: ctx.actor,
    operation: operationOf(b?.snapshot ?? null, a?.snapshot ?? null),
    source: ctx.source ?? "direct",
    target: {
      integrationId: target.id,
      alias: target.alias,
      integrationName: target.integrationName,
    },
    before: b?.snapshot ?? null,
    after: a?.snapshot ?? null,
    planId: ctx.planId ?? null,
    step: ctx.step ?? null,
    undoes: ctx.undoes ?? null,
    outcome: "applied",
    ...(redacted.length > 0 ? { redacted } : {}),
  };
}

/** Names of the configuration fields that differ between two snapshots. */
export function changedFields(
  a: IntegrationSnapshot | null,
  b: IntegrationSnapshot | null,
): string[] {
  if (!a || !b) return [];
  return PLAN_FIELDS.filter((k) => !deepEqual(a[k], b[k]));
}
