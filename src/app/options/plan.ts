import { option, unset } from "../option-spec.js";
import { bool, text } from "../parsers.js";

/** Options of the GitOps commands: export, plan, apply. */

export const PLAN_OPTIONS = [
  option({
    flag: "file",
    short: "f",
    env: "WEAVZ_PLAN_FILE",
    group: "plan",
    key: "file",
    type: "string",
    default: "(none)",
    description: "plan, apply: the desired-state file, YAML or JSON (see Declarative setup).",
    commands: ["plan", "apply"],
    parse: text,
    fallback: unset,
  }),
  option({
    flag: "output",
    short: "o",
    env: "WEAVZ_EXPORT_FILE",
    group: "plan",
    key: "output",
    type: "string",
    default: "(stdout)",
    description: "export: write the YAML to this file instead of stdout.",
    commands: ["export"],
    parse: text,
    fallback: unset,
  }),
  option({
    flag: "prune",
    env: "WEAVZ_PRUNE",
    group: "plan",
    key: "prune",
    type: "boolean",
    default: "false",
    description:
      "plan, apply: delete integrations the file does not list (same as `prune: true` in the file).",
    commands: ["plan", "apply"],
    parse: bool,
    fallback: () => false,
  }),
  option({
    flag: "yes",
    short: "y",
    env: "WEAVZ_APPLY_YES",
    group: "plan",
    key: "yes",
    type: "boolean",
    default: "false",
    description:
      "apply, undo: do not ask for confirmation (needed when stdin is not a terminal, e.g. in CI).",
    commands: ["apply", "undo"],
    parse: bool,
    fallback: () => false,
  }),
] as const;
