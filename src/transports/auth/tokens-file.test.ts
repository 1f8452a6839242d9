import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { WORKSPACES_AUTH_KEY } from "../../mcp/scope.js";
import { parseTokensFile, TokensFileError, tokenFileVerifier } from "./tokens-file.js";
import { AuthFailure } from "./types.js";

const ALICE = "alice-0123456789abcdef";
const BOB = "bob-fedcba9876543210-xyz";
const hex = (t: string) => createHash("sha256").update(t).digest("hex");

describe("tokens file", () => {
  const text = [
    "# team tokens",
    "",
    `${ALICE}   name=alice   # every workspace`,
    `sha256:${hex(BOB).toUpperCase()} workspaces=ws_1,ws_2 name=bob`,
  ].join("\n");

  it("takes label= as the holder's name in the change journal (default: the name)", async () => {
    const entries = parseTokensFile(`${ALICE} name=alice label=alice@example.com\n`);
    expect(entries[0]?.label).toBe("alice@example.com");
    const info = await tokenFileVerifier(entries)(ALICE);
    expect(info.extra?.weavzPrincipal).toEqual({ kind: "bearer", label: "alice@example.com" });
    expect(() => parseTokensFile(`${ALICE} label=\n`)).toThrow(/line 1: label= needs/);
  });

  it("accepts plain and sha256: lines, and gives each its name and workspace limit", async () => {
    const verify = tokenFileVerifier(parseTokensFile(text));
    const alice = await verify(ALICE);
    expect(alice).toMatchObject({ clientId: "alice", scopes: [] });
    // Bound to the token's digest and limit, never to its line.
    expect(alice.extra).toEqual({
      principal: `token:${hex(ALICE)}:*`,
      weavzPrincipal: { kind: "bearer", label: "alice" },
    });
    const bob = await verify(BOB);
    expect(bob.clientId).toBe("bob");
    expect(bob.extra).toEqual({
      principal: `token:${hex(BOB)}:ws_1,ws_2`,
      weavzPrincipal: { kind: "bearer", label: "bob" },
      [WORKSPACES_AUTH_KEY]: ["ws_1", "ws_2"],
    });
  });

  it("keeps only digests, and refuses unknown tokens, prefixes and suffixes alike", async () => {
    const entries = parseTokensFile(text);
    expect(JSON.stringify(entries)).not.toContain(ALICE);
    expect(entries.map((e) => e.hash.length)).toEqual([32, 32]);
    const verify = tokenFileVerifier(entries);
    for (const wrong of ["", ALICE.slice(0, -1), `${ALICE}x`, hex(BOB), `sha256:${hex(BOB)}`]) {
      await expect(verify(wrong)).rejects.toMatchObject({ status: 401, error: "invalid_token" });
    }
    await expect(verify("nope")).rejects.toBeInstanceOf(AuthFailure);
  });

  it.each([
    ["short-token", /line 1: the token is shorter than 16 characters/],
    ["sha256:abc", /line 1: after "sha256:" put the 64 hex digits/],
    [
      `${ALICE} role=admin`,
      /line 1: unknown field "role"; allowed: workspaces=ID,ID, name=NAME and label=LABEL/,
    ],
    [`${ALICE} workspaces=`, /line 1: workspaces= needs at least one workspace id/],
    [`# only\n${ALICE}\n\n${ALICE} name=again`, /line 4: the same token is already on line 2/],
    [`sha256:${hex(ALICE)}\n${ALICE}`, /line 2: the same token is already on line 1/],
    ["workspaces=ws_1", /line 1: a line starts with the token/],
    ["# nothing here\n\n", /holds no token/],
  ])("rejects %j with the line and what to write instead, never the token", (bad, message) => {
    expect(() => parseTokensFile(bad)).toThrow(TokensFileError);
    expect(() => parseTokensFile(bad)).toThrow(message);
    try {
      parseTokensFile(bad);
    } catch (err) {
      expect((err as Error).message).not.toContain(ALICE);
      expect((err as Error).message).not.toContain("short-token");
    }
  });
});
