import type { ChangeEntry, ChangeJournal, ChangePage } from "../domain/journal.js";
import { DEFAULT_HISTORY_LIMIT, stampChange } from "../domain/journal.js";
import type { RedisLink } from "./redis.js";

/**
 * Appends one entry to a workspace's stream, indexes its id, and trims the stream to the
 * history limit (dropping the trimmed entries from the index): one script, so replicas
 * appending at once never leave the index and the stream apart.
 */
const APPEND = `local sid = redis.call("XADD", KEYS[1], "*", "id", ARGV[1], "e", ARGV[2])
redis.call("HSET", KEYS[2], ARGV[1], ARGV[4] .. "\\n" .. sid)
local over = redis.call("XLEN", KEYS[1]) - tonumber(ARGV[3])
if over > 0 then
  local old = redis.call("XRANGE", KEYS[1], "-", "+", "COUNT", over)
  for _, e in ipairs(old) do
    local f = e[2]
    for i = 1, #f, 2 do
      if f[i] == "id" then redis.call("HDEL", KEYS[2], f[i + 1]) end
    end
    redis.call("XDEL", KEYS[1], e[1])
  end
end
return sid`;

/** Entries read per round trip when a filter forces a scan of a stream. */
const SCAN_BATCH = 500;

/**
 * The journal replicas share (--redis-url, hosted mode): one capped stream per workspace
 * (newest `limit` entries) and a hash from change id to its stream entry, so every replica
 * lists the same history and can undo a change another replica made. Keys share the
 * `{journal}` hash tag (one cluster slot, as the script needs).
 */
export function createRedisJournal(
  link: RedisLink,
  limit: number = DEFAULT_HISTORY_LIMIT,
  prefix = "weavz-mcp:",
): ChangeJournal {
  const streamKey = (ws: string) => `${prefix}{journal}:ws:${ws}`;
  const whereKey = `${prefix}{journal}:where`;
  const parse = (message: Record<string, string>) => JSON.parse(message.e as string) as ChangeEntry;

  /** Stream entries newest first, read in batches as the caller iterates (it breaks to stop). */
  async function* newestFirst(ws: string): AsyncGenerator<ChangeEntry> {
    let end = "+";
    for (;;) {
      const batch = await link.cmd.xRevRange(streamKey(ws), end, "-", { COUNT: SCAN_BATCH });
      const rows = (batch ?? []) as Array<{ id: string; message: Record<string, string> }>;
      for (const r of rows) yield parse(r.message);
      if (rows.length < SCAN_BATCH) return;
      end = `(${(rows[rows.length - 1] as { id: string }).id}`;
    }
  }

  return {
    kind: "mcp-redis",
    async record(changes) {
      const out: ChangeEntry[] = [];
      for (const c of changes) {
        const entry = stampChange(c);
        await link.cmd.eval(APPEND, {
          keys: [streamKey(entry.workspaceId), whereKey],
          arguments: [entry.id, JSON.stringify(entry), String(limit), entry.workspaceId],
        });
        out.push(entry);
      }
      return out;
    },
    async list(q): Promise<ChangePage> {
      const filtered =
        q.integration !== undefined || q.planId !== undefined || q.since !== undefined;
      if (!filtered) {
        const [rows, total] = await Promise.all([
          link.cmd.xRevRange(streamKey(q.workspaceId), "+", "-", { COUNT: q.offset + q.limit }),
          link.cmd.xLen(streamKey(q.workspaceId)),
        ]);
        const list = (rows ?? []) as Array<{ message: Record<string, string> }>;
        return {
          entries: list.slice(q.offset, q.offset + q.limit).map((r) => parse(r.message)),
          total: Number(total),
        };
      }
      const matches: ChangeEntry[] = [];
      for await (const e of newestFirst(q.workspaceId)) {
        if (q.since !== undefined && e.time < q.since) break;
        if (q.planId !== undefined && e.planId !== q.planId) continue;
        if (
          q.integration !== undefined &&
          e.target.integrationId !== q.integration &&
          e.target.alias !== q.integration &&
          e.before?.alias !== q.integration
        )
          continue;
        matches.push(e);
      }
      // A plan's entries in step order, like the SQLite journal.
      if (q.planId !== undefined) matches.reverse();
      return { entries: matches.slice(q.offset, q.offset + q.limit), total: matches.length };
    },
    async get(id) {
      const where = await link.cmd.hGet(whereKey, id);
      if (!where) return undefined;
      const [ws, sid] = String(where).split("\n") as [string, string];
      const rows = (await link.cmd.xRange(streamKey(ws), sid, sid)) as Array<{
        message: Record<string, string>;
      }> | null;
      const row = rows?.[0];
      return row ? parse(row.message) : undefined;
    },
  };
}
