import type { Client } from "@modelcontextprotocol/client";
import type { Browser, Frame, Page } from "playwright-core";

export function hostView(
  browser: Browser,
  client: Client,
  view: { uri: string; input: Record<string, unknown>; result: unknown },
  size?: { width: number; height: number },
): Promise<{ page: Page; frame: () => Frame }>;
