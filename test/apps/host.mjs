// A test host for the MCP Apps views, shared by the browser tests (test/apps/browser.test.ts)
// and the screenshots (scripts/screenshots/apps.mjs): a page that embeds one view the way a
// chat client does, built on ext-apps' AppBridge (page/host-page.ts), with a real SDK v2
// client of our server behind it.
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

/** @type {Promise<string> | undefined} */
let hostScript;

/** The host page's script, bundled once per process (AppBridge and its SDK client). */
function script() {
  hostScript ??= build({
    entryPoints: [fileURLToPath(new URL("./page/host-page.ts", import.meta.url))],
    bundle: true,
    write: false,
    format: "iife",
    platform: "browser",
    target: "es2022",
    logLevel: "warning",
  }).then((r) => r.outputFiles[0]?.text ?? "");
  return hostScript;
}

/**
 * Opens a page hosting the view at VIEW.uri for one tool call (its input and result), with
 * CLIENT (an SDK v2 client that declared the UI extension) behind it. As the spec asks of
 * hosts, the view may call only tools whose visibility includes "app".
 */
export async function hostView(browser, client, view, size = { width: 760, height: 900 }) {
  const read = await client.readResource({ uri: view.uri });
  const html = read.contents[0].text;
  const tools = (await client.listTools()).tools;
  const page = await browser.newPage({ viewport: size });
  await page.exposeFunction("weavzCallTool", async (params) => {
    const tool = tools.find((t) => t.name === params.name);
    const visibility = tool?._meta?.ui?.visibility;
    if (!tool || (Array.isArray(visibility) && !visibility.includes("app"))) {
      return {
        isError: true,
        content: [{ type: "text", text: `host: ${params.name} is not callable by the app` }],
      };
    }
    return client.callTool({ name: params.name, arguments: params.arguments ?? {} });
  });
  await page.setContent(
    `<!doctype html><html><body style="margin:0;background:#fafaf9"><iframe id="view" sandbox="allow-scripts" style="border:0;width:100%;height:${size.height}px"></iframe><script>${await script()}</script></body></html>`,
  );
  await page.evaluate(
    ([h, input, result]) => window.hostRender(h, input, result),
    [html, view.input, view.result],
  );
  const frame = () => {
    const f = page.frames().find((x) => x !== page.mainFrame());
    if (!f) throw new Error("the view's frame is missing");
    return f;
  };
  return { page, frame };
}
