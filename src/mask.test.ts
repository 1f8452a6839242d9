import { describe, expect, it } from "vitest";
import { maskDeep, maskSecrets, mightHoldSecret, redact, registerSecret } from "./mask.js";

describe("mask", () => {
  it("masks a registered key whatever its prefix, and the part after wvz_", () => {
    registerSecret("Plain9Key8WithoutPrefix");
    registerSecret("wvz_hosted_Kx7pQ2");
    expect(maskSecrets("a Plain9Key8WithoutPrefix b")).toBe("a *** b");
    expect(maskSecrets("key=wvz_hosted_Kx7pQ2;")).toBe("key=***;");
    expect(maskSecrets("only hosted_Kx7pQ2 here")).toBe("only *** here");
  });

  it("ignores registered secrets too short to be keys", () => {
    registerSecret("abc");
    expect(maskSecrets("abc abc")).toBe("abc abc");
  });

  it("masks token-shaped strings but leaves aliases and tool names alone", () => {
    expect(maskSecrets("x wvz_AbCdEf0123456789xyz y")).toBe("x wvz_*** y");
    expect(maskSecrets("mcp_Q8w7E6r5T4y3U2i1O0pAsDf")).toBe("mcp_***");
    for (const keep of ["mcp_tools", "list_mcp_servers", "wvz_team_slack", "team_slack"]) {
      expect(maskSecrets(keep)).toBe(keep);
    }
  });

  it("masks strings and keys at any depth of a JSON value", () => {
    registerSecret("Deep0Secret0Value");
    const v = maskDeep({
      a: ["Deep0Secret0Value"],
      Deep0Secret0Value: { b: "x Deep0Secret0Value" },
    });
    expect(JSON.stringify(v)).not.toContain("Deep0Secret0Value");
    expect(v).toEqual({ a: ["***"], "***": { b: "x ***" } });
  });

  it("log lines mask more eagerly (bearer tokens, short token-like strings)", () => {
    expect(redact("Authorization: Bearer abc.def")).toBe("Authorization: Bearer ***");
    expect(redact("key wvz_abcdefgh")).toBe("key wvz_***");
  });
});

describe("mightHoldSecret", () => {
  it("says yes for a registered key, raw or JSON-escaped, token prefixes and \\u escapes", () => {
    registerSecret('Quote"Key\\Back9');
    expect(mightHoldSecret(JSON.stringify({ a: 'x Quote"Key\\Back9' }))).toBe(true);
    expect(mightHoldSecret('{"a":"wvz_x"}')).toBe(true);
    expect(mightHoldSecret('{"a":"\\u0077vz_AbCdEf0123456789xyz"}')).toBe(true);
    expect(mightHoldSecret('{"a":"team_slack","n":1}')).toBe(false);
  });
});
