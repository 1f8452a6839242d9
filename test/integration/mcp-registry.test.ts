import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";

const ROOT = resolve(import.meta.dirname, "../..");
const read = (f: string) => JSON.parse(readFileSync(join(ROOT, f), "utf8"));
const entry = read("server.json");
const pkg = read("package.json");
// The registry's schema, committed (schemas/server.schema.json says where it comes from):
// tests run without network.
const schema = read("schemas/server.schema.json");

function validator() {
  const ajv = new (Ajv2020 as unknown as typeof Ajv2020.default)({
    strict: false,
    allErrors: true,
  });
  (addFormats as unknown as typeof addFormats.default)(ajv);
  return ajv.compile(schema);
}

interface Pkg {
  registryType: string;
  identifier: string;
  version: string;
  fileSha256?: string;
  environmentVariables?: Array<{ name: string; isSecret?: boolean }>;
}

describe("the MCP Registry entry (server.json)", () => {
  it("is valid against the registry's 2025-12-11 schema", () => {
    const validate = validator();
    expect(entry.$schema).toBe(schema.$id);
    expect(validate(entry), JSON.stringify(validate.errors)).toBe(true);
  });

  it("the schema check is real: broken entries are refused", () => {
    const validate = validator();
    const broken = [
      { ...entry, description: "x".repeat(101) },
      { ...entry, name: "no-slash" },
      { ...entry, packages: [{ ...entry.packages[1], fileSha256: "not-a-sha" }] },
      { ...entry, packages: [{ ...entry.packages[0], version: "latest" }] },
      { ...entry, remotes: [{ type: "streamable-http" }] },
    ];
    for (const b of broken) expect(validate(b)).toBe(false);
  });

  it("agrees with package.json: mcpName, version, npm package", () => {
    expect(pkg.mcpName).toBe(entry.name);
    expect(entry.version).toBe(pkg.version);
    const npm = entry.packages.find((p: Pkg) => p.registryType === "npm") as Pkg;
    expect(npm).toMatchObject({ identifier: pkg.name, version: pkg.version });
    expect(npm.environmentVariables?.find((e) => e.name === "WEAVZ_API_KEY")?.isSecret).toBe(true);
  });

  it("lists the bundle with its SHA-256 (npm run bundle keeps it in step)", () => {
    const mcpb = entry.packages.find((p: Pkg) => p.registryType === "mcpb") as Pkg;
    expect(mcpb.version).toBe(pkg.version);
    expect(mcpb.identifier).toMatch(
      new RegExp(
        `^https://github\\.com/[^/]+/[^/]+/releases/download/v${pkg.version}/weavz-mcp\\.mcpb$`,
      ),
    );
    expect(mcpb.fileSha256).toMatch(/^[a-f0-9]{64}$/);
    const built = join(ROOT, "weavz-mcp.mcpb");
    if (existsSync(built)) {
      expect(createHash("sha256").update(readFileSync(built)).digest("hex")).toBe(mcpb.fileSha256);
    }
  });

  it("declares the remote form: Streamable HTTP with a secret Authorization header", () => {
    const [remote] = entry.remotes;
    expect(remote.type).toBe("streamable-http");
    expect(remote.url).toMatch(/\/mcp$/);
    const auth = remote.headers.find((h: { name: string }) => h.name === "Authorization");
    expect(auth).toMatchObject({ isSecret: true, isRequired: true });
  });

  it("names only environment variables the server reads (--help lists them)", async () => {
    const help = (await runCli(["--help"])).stdout;
    const npm = entry.packages.find((p: Pkg) => p.registryType === "npm") as Pkg;
    for (const v of npm.environmentVariables ?? []) expect(help).toContain(v.name);
  });
});
