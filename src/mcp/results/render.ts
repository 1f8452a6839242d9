import type { CallToolResult } from "@modelcontextprotocol/server";
import { maskSecrets } from "../../mask.js";
import { fenceData } from "../fence.js";

/**
 * The one shape of every failure the model reads: a head naming the code, fact lines, the
 * next step (a tool to call), and stored text fenced as data; masked as a last safety net.
 */
/** The parts of an error result: our own words, and stored data to fence. */
export interface ErrorParts {
  head: string;
  lines: string[];
  next: string;
  /** Stored text (existing records, upstream messages quoting names), shown fenced. */
  data?: Record<string, unknown>;
}

/** The parts as one masked text: head, lines, "Next step: …", then the fenced data. */
export function errorText(parts: ErrorParts): string {
  const text = [parts.head, ...parts.lines, `Next step: ${parts.next}`];
  if (parts.data && Object.keys(parts.data).length > 0)
    text.push(fenceData(JSON.stringify(parts.data)));
  return maskSecrets(text.join("\n"));
}

/** The parts as an isError tool result. */
export function render(parts: ErrorParts): CallToolResult {
  return { isError: true, content: [{ type: "text", text: errorText(parts) }] };
}
