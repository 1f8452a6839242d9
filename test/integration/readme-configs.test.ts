import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, readFileSync, symlinkSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI } from "../helpers/build.js";
import { tempDir, trackChild, useCliProcesses } from "../helpers/cli.js";
import { createListDelete, type Target } from "../helpers/launch.js";
import { DEMO_WS } from "../helpers/mcp.js";

/**
 * Every client config in the README's "Connect your client" section, launched as written: the
 * JSON configs and the `claude mcp add` lines are parsed from the README itself, the
 * placeholder /path/to/weavz-mcp becomes this clone, and `weavz-mcp` is on PATH the way
 * `npm install -g` puts it there (a bin link to dist/cli.js). Each one then does what a user
 * does first: create → list → delete an integration through an SDK client. The HTTP forms
 * reach a running `npm start` (on port 0 here instead of 3333).
 */
const ROOT = resolve(import.meta.dirname, "../..");
const readme = readFileSync(join(ROOT, "README.md"), "utf8");
const section = readme.slice(
  readme.indexOf("## Connect your client"),
  readme.indexOf("\n## ", readme.indexOf("## Connect your client") + 5),
);
const published = section.indexOf("### Once published");

interface Found {
  where: string;
  command?: string;
  args?: string[];
  env?: Record<string, string>;
  url?: string;
}

type ServerEntry = {
  command?: string;
  args?: string[];
  env?: Record<string, string>;
  url?: string;
};

/** Client configs before the "Once published" part: JSON (fenced or inline) and CLI lines. */
function configs(): Found[] {
  const text = section.slice(0, published);
  const found: Found[] = [];
  const jsons = [
    ...[...text.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1] as string),
    ...[...text.matchAll(/`(\{ "(?:servers|mcpServers)"[^`]*)`/g)].map((m) => m[1] as string),
  ];
  for (const json of jsons) {
    const doc = JSON.parse(json) as Record<string, Record<string, ServerEntry>>;
    for (const [key, servers] of Object.entries(doc)) {
      for (const [name, s] of Object.entries(servers))
        found.push({ where: `${key}.${name}: ${json.trim().slice(0, 60)}`, ...s });
    }
  }
  for (const line of text.split("\n").filter((l) => l.startsWith("claude mcp add "))) {
    const words = line.replace(/#.*$/, "").trim().split(/\s+/).slice(3);
    const dash = words.indexOf("--");
    const opts = dash >= 0 ? words.slice(0, dash) : words;
    const env: Record<string, string> = {};
    let http = false;
    const rest: string[] = [];
    for (let i = 0; i < opts.length; i++) {
      if (opts[i] === "-e") {
        const [k, ...v] = (opts[++i] as string).split("=");
        env[k as string] = v.join("=");
      } else if (opts[i] === "--transport") http = opts[++i] === "http";
      else rest.push(opts[i] as string);
    }
    if (http) found.push({ where: line, url: rest[1] });
    else {
      const cmd = words.slice(dash + 1);
      found.push({ where: line, command: cmd[0], args: cmd.slice(1), env });
    }
  }
  return found;
}

const all = configs();

describe("README: every client config launches as written", () => {
  useCliProcesses();
  let bin: string;
  let home: string;
  let http: ChildProcess;
  let httpUrl: URL;

  beforeAll(async () => {
    const dir = tempDir("weavz-readme-");
    bin = join(dir, "bin");
    mkdirSync(bin);
    symlinkSync(CLI, join(bin, "weavz-mcp")); // what `npm install -g <tarball>` links
    home = join(dir, "home");
    http = trackChild(
      spawn(process.execPath, [CLI, "--transport", "http", "--port", "0"], {
        env: {
          PATH: process.env.PATH ?? "",
          HOME: join(dir, "http-home"),
          WEAVZ_LOG_LEVEL: "warn",
        },
        stdio: ["ignore", "pipe", "inherit"],
      }),
    );
    httpUrl = await new Promise<URL>((res, rej) => {
      let out = "";
      http.stdout?.on("data", (d: Buffer) => {
        out += d.toString();
        const m = /listening on (http:\/\/\S+\/mcp)/.exec(out);
        if (m?.[1]) res(new URL(m[1]));
      });
      http.on("exit", (code) => rej(new Error(`npm start's server exited with ${code}`)));
    });
  }, 30_000);
  afterAll(() => {
    http?.kill();
  });

  it("finds the forms the README promises (bundle aside): 4 stdio, 2 HTTP, none using npx", () => {
    expect(all.filter((c) => c.command).length).toBeGreaterThanOrEqual(4);
    expect(all.filter((c) => c.url).length).toBe(2);
    expect(all.filter((c) => c.command === "npx")).toEqual([]);
    expect(new Set(all.map((c) => c.command).filter(Boolean))).toEqual(
      new Set(["weavz-mcp", "node"]),
    );
    expect(section.slice(published)).toContain('"command": "npx", "args": ["-y", "weavz-mcp"]');
  });

  it.concurrent.each(all.map((c, i) => [i, c.where] as const))(
    "config %i: %s",
    async (i) => {
      const c = all[i] as Found;
      let target: Target;
      if (c.url) {
        const u = new URL(c.url);
        expect(`${u.hostname}:${u.port}${u.pathname}`).toBe("127.0.0.1:3333/mcp");
        u.port = httpUrl.port; // `npm start` listens on 3333; the test server on port 0
        target = { url: u.href };
      } else {
        target = {
          command: c.command as string,
          args: (c.args ?? []).map((a) => a.replace("/path/to/weavz-mcp", ROOT)),
          env: {
            PATH: `${bin}${delimiter}${process.env.PATH ?? ""}`,
            HOME: home,
            XDG_DATA_HOME: join(home, `data-${i}`),
            ...c.env,
          },
        };
      }
      const ws = c.env?.WEAVZ_WORKSPACE_ID ? undefined : DEMO_WS;
      const tools = await createListDelete(target, `readme_cfg_${i}`, ws);
      expect(tools).toContain("list_workspace_integrations");
    },
    60_000,
  );
});
