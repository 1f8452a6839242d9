import type {
  CallToolResult,
  ClientCapabilities,
  ReadResourceResult,
  Resource,
  Tool,
} from "@modelcontextprotocol/server";
import { CONFIRMABLE, type DecideEnv, decideToolEntry, decorate, runDecide } from "./decide.js";
import { linkTools, rendersApps } from "./links.js";
import { DECIDE_TOOL } from "./names.js";
import { APP_RESOURCES, readAppResource } from "./resources.js";

/**
 * The MCP Apps extension (io.modelcontextprotocol/ui) for one server factory: the two
 * in-chat views, the links from tools to them, and the App's Approve/Cancel helper. Clients
 * that do not declare the extension, and every client with `--apps false`, get exactly the
 * tools, resources and results they got before.
 */
export interface Apps {
  /** Whether links are on for this client (enabled, and it declared the UI extension). */
  renders(caps: ClientCapabilities | undefined): boolean;
  /** tools/list for a client that renders Apps: links added, plus the app-only helper. */
  readonly tools: readonly Tool[];
  /** The ui:// resources, for resources/list (to clients that render Apps). */
  readonly resources: readonly Resource[];
  /** resources/read of a ui:// view; undefined for other URIs or when Apps are off. */
  read(uri: string): ReadResourceResult | undefined;
  /** The helper's call, or undefined when NAME is not the helper. */
  call(name: string, args: unknown, env: DecideEnv): Promise<CallToolResult> | undefined;
  /** A tool's result with the plan review's data added (see decide.ts). */
  decorate(name: string, args: unknown, result: CallToolResult): CallToolResult;
}

export function createApps(enabled: boolean, listed: readonly Tool[]): Apps {
  const names = new Set(listed.map((t) => t.name));
  const helper = decideToolEntry(CONFIRMABLE.filter((n) => names.has(n)));
  const tools = [...linkTools(listed), ...(helper ? [helper] : [])];
  return {
    renders: (caps) => enabled && rendersApps(caps),
    tools,
    resources: APP_RESOURCES,
    read: (uri) => (enabled ? readAppResource(uri) : undefined),
    call: (name, args, env) =>
      enabled && helper && name === DECIDE_TOOL ? runDecide(args, env) : undefined,
    decorate,
  };
}
