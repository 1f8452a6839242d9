import type { CallToolResult } from "@modelcontextprotocol/server";
import { maskDeep, mightHoldSecret } from "../../mask.js";
import { fenceData } from "../fence.js";
import { rememberJson } from "../result-json.js";
import type { ToolOutcome } from "../tool.js";

/** How results are shaped for this server (config: --result-links). */
export interface ResultOptions {
  /** Attach resource_link blocks (default true; LangChain users turn them off). */
  links?: boolean;
}

/**
 * A successful call: JSON in structuredContent, and for older clients the summary plus the
 * same JSON as text, fenced because it holds stored text (names, aliases) that must read as
 * data, not as instructions.
 */
export function successResult(
  outcome: ToolOutcome<unknown>,
  opts: ResultOptions = {},
): CallToolResult {
  const json = outcome.json ?? JSON.stringify(outcome.data);
  const text = `${outcome.summary}\n${fenceData(json)}`;
  const content: CallToolResult["content"] = [{ type: "text", text }];
  if (opts.links !== false) {
    for (const link of outcome.links ?? []) {
      content.push({
        type: "resource_link",
        uri: link.uri,
        name: link.name,
        mimeType: "application/json",
        ...(link.description ? { description: link.description } : {}),
      });
    }
  }
  // Safety net: the API client already masks upstream data; this also covers anything a
  // handler composed itself. The text holds everything but the links, so when neither could
  // hold a secret the walk is skipped.
  const result = { content, structuredContent: outcome.data as Record<string, unknown> };
  const links = (outcome.links ?? []).map((l) => `${l.uri} ${l.name} ${l.description ?? ""}`);
  if (mightHoldSecret(`${text}\n${links.join("\n")}`)) return maskDeep(result);
  // The data is final from here on; the stdio writer reuses its JSON (see result-json.ts).
  if (result.structuredContent && typeof result.structuredContent === "object") {
    rememberJson(result.structuredContent, json);
  }
  return result;
}
