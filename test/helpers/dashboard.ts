import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { Page } from "playwright-core";
import { spawnCliUntil } from "./cli.js";

/** A spawned `weavz-mcp --transport http` (or `weavz-mcp dashboard`) and what it printed. */
export interface SpawnedServer {
  /** The MCP endpoint (http mode only). */
  mcpUrl: string | undefined;
  /** The printed dashboard URL (login link, login form), or undefined when off. */
  dashboardUrl: string | undefined;
  /** Origin of the dashboard, e.g. http://127.0.0.1:PORT. */
  origin: string;
  stdout: () => string;
  stderr: () => string;
  stop(): Promise<number | null>;
}

/**
 * Spawns the built CLI with ARGS and waits until it printed its URLs: for the MCP server the
 * "listening on …/mcp" line and the dashboard line, for `dashboard` its login link.
 */
export async function spawnServer(args: string[]): Promise<SpawnedServer> {
  const dashboardCommand = args[0] === "dashboard";
  const cli = await spawnCliUntil(
    args,
    (out) => {
      const listening = /listening on (http:\/\/127\.0\.0\.1:\d+)(\/mcp)?\n/.exec(out);
      const ready = dashboardCommand
        ? /login link\): (\S+)\n/.test(out)
        : out.includes("mcpServers");
      return ready ? listening : null;
    },
    20_000,
  );
  const out = cli.stdout();
  const listening = /listening on (http:\/\/127\.0\.0\.1:\d+)(\/mcp)?\n/.exec(out);
  const link = /Dashboard[^\n]*?(http:\/\/\S+)/.exec(out) ?? /login link\): (\S+)/.exec(out);
  return {
    mcpUrl: listening?.[2] ? `${cli.url}/mcp` : undefined,
    dashboardUrl: link?.[1],
    origin: cli.url,
    stdout: cli.stdout,
    stderr: cli.stderr,
    stop: async () => {
      cli.child.kill("SIGTERM");
      return (await cli.exited).code;
    },
  };
}

/** A real SDK client over Streamable HTTP, with `call` returning structured results. */
export async function connectHttpClient(url: string, headers: Record<string, string> = {}) {
  const client = new Client({ name: "dashboard-test-agent", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }),
  );
  const call = async (name: string, args: Record<string, unknown> = {}) =>
    (await client.callTool({ name, arguments: args })) as CallToolResult & {
      structuredContent?: Record<string, any>;
    };
  return { client, call };
}

const axeSource = readFileSync(
  createRequire(import.meta.url).resolve("axe-core/axe.min.js"),
  "utf8",
);

/** An accessibility violation axe-core found. */
export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/** Runs axe-core on the page (WCAG 2 A/AA rules) and returns its serious and critical violations. */
export async function seriousA11yViolations(page: Page): Promise<AxeViolation[]> {
  // Evaluated through the driver, not a <script>: the dashboard's CSP allows only its own.
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as any).axe;
    const r = await axe.run((globalThis as any).document, {
      runOnly: {
        type: "tag",
        values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
      },
    });
    return r.violations.map((v: any) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 3).map((n: any) => n.target.join(" ")),
    }));
  });
  return (violations as AxeViolation[]).filter(
    (v) => v.impact === "serious" || v.impact === "critical",
  );
}

/**
 * Times a live update: clears the marks the dashboard script leaves on <body> (when the feed's
 * event came, how long re-renders took), runs CALL (a change made through MCP), waits for
 * SELECTOR to appear without a reload and prints the latencies. Resolves with CALL's result.
 */
export async function timeLiveUpdate<R>(
  page: Page,
  label: string,
  selector: string,
  timeout: number,
  call: () => Promise<R>,
): Promise<R> {
  await page.evaluate(() => {
    (globalThis as any).document.body.dataset.changedAt = "";
    (globalThis as any).document.body.dataset.renderMs = "";
  });
  const started = Date.now();
  let answered = 0;
  const done = call().then((r) => {
    answered = Date.now();
    return r;
  });
  await page.waitForSelector(selector, { timeout });
  const seen = Date.now();
  const result = await done;
  const marks = await page.evaluate(() => (globalThis as any).document.body.dataset);
  console.log(
    `[dashboard] ${label}: ${seen - started} ms after the tool call started, ${seen - answered} ms after its answer (target < 1000 ms); the feed's event came ${Number(marks.changedAt) - answered} ms after the answer, re-renders took ${marks.renderMs} ms`,
  );
  return result;
}

/** The current document's navigation timing: redirect, server (request to first byte) and total. */
export function navTiming(
  page: Page,
): Promise<{ redirect: number; server: number; total: number }> {
  return page.evaluate(() => {
    const nav = (performance as any).getEntriesByType("navigation")[0];
    return {
      redirect: Math.round(nav.redirectEnd - nav.redirectStart),
      server: Math.round(nav.responseStart - nav.requestStart),
      total: Math.round(nav.loadEventEnd - nav.startTime),
    };
  });
}

/** Milliseconds from navigation start to the load event of the page's current document. */
export function loadTime(page: Page): Promise<number> {
  return page.evaluate(() => {
    // Runs in the page; typed loosely because the tests compile without the DOM library.
    const nav = (performance as any).getEntriesByType("navigation")[0];
    return Math.round(nav.loadEventEnd - nav.startTime);
  });
}
