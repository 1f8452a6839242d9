import { join } from "node:path";
import { option } from "../option-spec.js";
import { bool, text, wholeNumber } from "../parsers.js";
import { defaultDataDir } from "./backend.js";

/** Options of the change journal and the history / undo commands. */

export const HISTORY_OPTIONS = [
  option({
    flag: "journal-db",
    env: "WEAVZ_JOURNAL_DB",
    group: "history",
    key: "journalDb",
    type: "string",
    default: "(data dir)/weavz-mcp/journal.db",
    description:
      "With an API key (hosted mode): SQLite file of this server's own change journal (the hosted API keeps no history). With --redis-url the journal is in Redis instead. See History and undo.",
    commands: ["mcp", "dashboard", "history", "undo", "apply"],
    parse: text,
    fallback: ({ env }) => join(defaultDataDir(env), "journal.db"),
  }),
  option({
    flag: "history-limit",
    env: "WEAVZ_HISTORY_LIMIT",
    group: "history",
    key: "limit",
    type: "string",
    default: "10000",
    description: "Change journal entries kept per workspace (100-1000000); older ones are dropped.",
    commands: ["mcp", "dashboard", "local-api", "history", "undo", "apply"],
    parse: wholeNumber(100, 1_000_000),
    fallback: () => 10_000,
  }),
  option({
    flag: "limit",
    env: "WEAVZ_HISTORY_PAGE",
    group: "history",
    key: "page",
    type: "string",
    default: "20",
    description: "history: how many changes to show, newest first (1-1000).",
    commands: ["history"],
    parse: wholeNumber(1, 1000),
    fallback: () => 20,
  }),
  option({
    flag: "json",
    env: "WEAVZ_HISTORY_JSON",
    group: "history",
    key: "json",
    type: "boolean",
    default: "false",
    description: "history: print the entries as JSON instead of one line each.",
    commands: ["history"],
    parse: bool,
    fallback: () => false,
  }),
] as const;
