import type { PromptMessage } from "@modelcontextprotocol/server";
import type { ToolsetName } from "../../toolsets.js";
import type { ToolContext } from "../tool.js";

/** What an argument completes from (completion/complete); see completions.ts. */
export type CompletionKind = "workspaceId" | "integrationName" | "alias" | "connectionId";

/** One prompt argument, as prompts/list shows it. */
export interface PromptArgDef {
  name: string;
  description: string;
  required: boolean;
  /** Values completion/complete offers for it. */
  complete?: CompletionKind;
}

/** A prompt as data: the registry lists it, filters it by toolset and read-only mode. */
export interface PromptDef {
  name: string;
  title: string;
  description: string;
  /** The toolset that switches this prompt on (--toolsets), like a tool's. */
  toolset: ToolsetName;
  /** Leads to writes (hidden when the server runs read-only). */
  writes: boolean;
  arguments: PromptArgDef[];
  /** The messages, built from the arguments and (where useful) facts read from the API. */
  build(args: Record<string, string>, ctx: ToolContext): Promise<PromptMessage[]>;
}

/** A user-role text message. */
export function userText(text: string): PromptMessage {
  return { role: "user", content: { type: "text", text } };
}
