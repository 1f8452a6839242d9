// The test host's page script (bundled by test/apps/host.ts, run in headless chromium): an
// MCP Apps host built on ext-apps' own AppBridge and PostMessageTransport, as a chat client
// embeds a view. It loads the view's HTML into a sandboxed iframe (scripts only, opaque
// origin), hands it the tool input and result, and proxies the view's tools/call to the
// real MCP client in Node (window.weavzCallTool, exposed by playwright).
import { AppBridge, PostMessageTransport } from "@modelcontextprotocol/ext-apps/app-bridge";

declare global {
  interface Window {
    weavzCallTool(params: unknown): Promise<any>;
    hostRender(html: string, input: Record<string, unknown>, result: unknown): Promise<void>;
    modelContext: unknown[];
    toolCalls: unknown[];
  }
}

window.modelContext = [];
window.toolCalls = [];
window.hostRender = async (html, input, result) => {
  const iframe = document.getElementById("view") as HTMLIFrameElement;
  const bridge = new AppBridge(
    null,
    { name: "weavz-test-host", version: "1.0.0" },
    { serverTools: {}, updateModelContext: { text: {} } },
    { hostContext: { theme: "light", displayMode: "inline" } },
  );
  bridge.oncalltool = async (params) => {
    window.toolCalls.push(params);
    return window.weavzCallTool(params);
  };
  bridge.onupdatemodelcontext = async (params) => {
    window.modelContext.push(params);
    return {};
  };
  bridge.onsizechange = ({ height }) => {
    if (height) iframe.style.height = `${height}px`;
  };
  const initialized = new Promise<void>((resolve) => {
    bridge.oninitialized = () => resolve();
  });
  // Listening before the view loads: it starts its handshake as soon as its script runs.
  await bridge.connect(
    new PostMessageTransport(iframe.contentWindow as Window, iframe.contentWindow as Window),
  );
  iframe.srcdoc = html;
  await initialized;
  await bridge.sendToolInput({ arguments: input });
  await bridge.sendToolResult(result as Parameters<AppBridge["sendToolResult"]>[0]);
};
