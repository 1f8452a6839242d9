import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { registerSecret } from "../mask.js";
import { pageJson, takePage } from "./paging.js";
import { rememberJson, stringifyMessage } from "./result-json.js";
import { successResult } from "./results/success.js";

// JSON values as a parse would produce them (no undefined, no -0, no sparse arrays).
const jsonValue = fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v)) as unknown);
const jsonObject = fc.dictionary(fc.string(), jsonValue);

describe("stringifyMessage", () => {
  it("reads back exactly as JSON.stringify when structuredContent's JSON is remembered", () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.string()), jsonObject, jsonObject, (id, rest, sc) => {
        const result = { ...rest, structuredContent: sc };
        rememberJson(sc, JSON.stringify(sc));
        const message = { result, jsonrpc: "2.0" as const, id };
        expect(JSON.parse(stringifyMessage(message))).toEqual(JSON.parse(JSON.stringify(message)));
      }),
    );
  });

  it("is JSON.stringify itself for anything else", () => {
    const sc = { a: 1 };
    const plain = { jsonrpc: "2.0" as const, id: 1, result: { structuredContent: sc } };
    expect(stringifyMessage(plain)).toBe(JSON.stringify(plain));
    const note = { jsonrpc: "2.0" as const, method: "notifications/progress", params: { a: 1 } };
    expect(stringifyMessage(note)).toBe(JSON.stringify(note));
  });

  it("never reuses the JSON of a result that was masked after it was built", () => {
    registerSecret("Splice0Secret0Key9");
    const data = { note: "echoed Splice0Secret0Key9" };
    const result = successResult({ data, json: JSON.stringify(data), summary: "s" });
    const line = stringifyMessage({ jsonrpc: "2.0", id: 1, result });
    expect(line).not.toContain("Splice0Secret0Key9");
    expect(JSON.parse(line).result.structuredContent.note).toBe("echoed ***");
  });

  it("a tool result line carries the data once as text and once as structuredContent", () => {
    const data = { workspaceId: "w", integrations: [{ alias: "a" }], total: 1 };
    const result = successResult({ data, json: JSON.stringify(data), summary: "s" });
    const line = JSON.parse(stringifyMessage({ jsonrpc: "2.0", id: 7, result }));
    expect(line).toMatchObject({ jsonrpc: "2.0", id: 7, result: { structuredContent: data } });
    expect(line.result.content[0].text).toContain(JSON.stringify(data));
  });
});

describe("paging JSON", () => {
  it("takePage's item texts are JSON.stringify of its items, within budget unless one is larger", () => {
    fc.assert(
      fc.property(
        fc.array(jsonObject, { maxLength: 40 }),
        fc.nat(45),
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 2, max: 4000 }),
        (all, offset, limit, budget) => {
          const page = takePage(all, offset, limit, budget);
          const list = `[${page.json.join(",")}]`;
          expect(list).toBe(JSON.stringify(page.items));
          expect(page.items).toEqual(all.slice(offset, offset + page.items.length));
          if (page.items.length > 1) {
            expect(Buffer.byteLength(list)).toBeLessThanOrEqual(budget);
          }
          const end = offset + page.items.length;
          expect(page.nextOffset).toBe(end < all.length ? end : undefined);
        },
      ),
    );
  });

  it("paging through from 0 reaches every item once", () => {
    fc.assert(
      fc.property(
        fc.array(jsonObject, { maxLength: 60 }),
        fc.integer({ min: 2, max: 3000 }),
        (all, budget) => {
          const seen: unknown[] = [];
          let offset: number | undefined = 0;
          while (offset !== undefined) {
            const page: { items: unknown[]; nextOffset?: number } = takePage(
              all,
              offset,
              20,
              budget,
            );
            seen.push(...page.items);
            offset = page.nextOffset;
            if (all.length === 0) break;
          }
          expect(seen).toEqual(all);
        },
      ),
    );
  });

  it("pageJson is the JSON.stringify of the object it describes", () => {
    fc.assert(
      fc.property(
        jsonObject,
        fc.string(),
        fc.array(jsonValue),
        jsonObject,
        (head, key, list, tail) => {
          const built = pageJson(
            head,
            key,
            list.map((x) => JSON.stringify(x)),
            tail,
          );
          const object = { ...head, [key]: list, ...tail };
          // Keys that repeat across the parts keep JSON.stringify's order only when unique.
          fc.pre(!(key in head) && !(key in tail) && Object.keys(head).every((k) => !(k in tail)));
          fc.pre(!["__proto__"].includes(key));
          expect(JSON.parse(built)).toEqual(object);
        },
      ),
    );
  });
});
