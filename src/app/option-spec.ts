import type { Parser } from "./parsers.js";

/** What the CLI was asked to do. */
export type Command =
  | "mcp"
  | "local-api"
  | "dashboard"
  | "export"
  | "plan"
  | "apply"
  | "history"
  | "undo"
  | "help"
  | "version";

/**
 * The GitOps commands, and history/undo: they read or change one workspace through the same
 * backend as `mcp`.
 */
export const PLAN_COMMANDS = ["export", "plan", "apply", "history", "undo"] as const;
export type PlanCommand = (typeof PLAN_COMMANDS)[number];

/** Whether a command name (a parsed one, or argv's first word) is one of the GitOps commands. */
export function isPlanCommand(name: string | undefined): name is PlanCommand {
  return (PLAN_COMMANDS as readonly (string | undefined)[]).includes(name);
}

/** What an option's default may depend on. */
export interface DefaultContext {
  command: Command;
  env: NodeJS.ProcessEnv;
  /** The raw text another option was given (its flag, else its env twin), if any. */
  given(flag: string): string | undefined;
}

/**
 * One option: its spellings, where its value lands in Config, how its text is parsed, its
 * default, and the help line. The table of these (options.ts) drives parsing, --help and the
 * README's configuration table.
 */
export interface OptionSpec<G extends string = string, K extends string = string, T = unknown> {
  flag: string;
  env: string;
  /** One-letter alias, e.g. f for -f. */
  short?: string;
  /** "boolean": a switch (the flag alone means "true"); "string": the flag takes a value. */
  type: "string" | "boolean";
  /** The commands it applies to; given to another, it is an error. */
  commands: readonly Command[];
  /** The default as --help and the README show it. */
  default: string;
  /** The help line. */
  description: string;
  /** The value lands in config[group][key]. */
  group: G;
  key: K;
  /** Turns the flag's (else the env twin's) text into the value; a switch's flag gives "true". */
  parse: Parser<T>;
  /** The value when neither the flag nor its env twin is given. */
  fallback: (ctx: DefaultContext) => T;
}

/** An option whose parser and default agree on one value type (the Config field's). */
export function option<const G extends string, const K extends string, T>(
  spec: OptionSpec<G, K, T>,
): OptionSpec<G, K, T> {
  return spec;
}

/** No default: the option is undefined unless given. */
export const unset = (): undefined => undefined;

type ValueOf<O> = O extends OptionSpec<string, string, infer T> ? T : never;
type Frozen<T> = T extends readonly (infer E)[] ? readonly E[] : T;

/**
 * The configuration a table of options makes: one read-only object per group, a field per
 * option. Adding an option to the table adds its field here; nothing else is written by hand.
 */
export type ConfigOf<O extends OptionSpec> = {
  readonly [G in O["group"]]: {
    readonly [E in O as E["group"] extends G ? E["key"] : never]: Frozen<ValueOf<E>>;
  };
};
