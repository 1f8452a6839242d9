/**
 * Fuzz surface "local-api": raw HTTP requests to the real local API (port 0, temporary
 * database): methods, paths (templates with fuzzed segments and queries), headers (auth and
 * Content-Type variants) and bodies (valid-ish per endpoint from the domain schemas, hostile
 * JSON, non-JSON). Per request: one reply, no 5xx, the error envelope on every error, no key
 * or connection secret in the reply or the logs, and a refused request stores nothing.
 */
import fc from "fast-check";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  CreateConnectionSchema,
  CreateEndUserSchema,
  CreateWorkspaceIntegrationSchema,
  CreateWorkspaceSchema,
  UpdateWorkspaceIntegrationSchema,
} from "../../src/domain/index.js";
import { CreateMcpServerSchema, UpdateMcpServerSchema } from "../../src/domain/mcp-server.js";
import { startTestLocalApi, type TestLocalApi } from "../helpers/local-api.js";
import {
  FuzzStats,
  findSecret,
  fuzzParams,
  fuzzTimeout,
  hostileJson,
  ID_POOL,
  type JsonSchema,
  nastyString,
  validValue,
} from "./arbitraries.js";
import { answered, capturingLog, fingerprint, UNANSWERED } from "./harness.js";

/** Cases in `npm test` (all run; `npm run fuzz` runs FUZZ_RUNS). */
const RUNS = 150;
const REPLY_MS = 10_000;
/** Marks every connection secret sent, so a reply or log line holding one is caught. */
const SECRET_MARK = "S3cretMark";

const schema = (s: z.ZodType) =>
  z.toJSONSchema(s, { io: "input", unrepresentable: "any" }) as JsonSchema;

const WS = ID_POOL[0] as string;
/** encodeURIComponent that survives lone surrogates (it throws on them). */
const enc = (s: string) => encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, "\uFFFD"));
const segment = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...ID_POOL) },
  { weight: 1, arbitrary: nastyString.map((s) => enc(s.slice(0, 200))) },
  { weight: 1, arbitrary: fc.constantFrom("..", ".", "%2e%2e", "%2F", "%E0%A4%A", "", "a%00b") },
);

/** Paths of the API with fuzzed segments, plus unknown ones. */
const path = fc.oneof(
  fc.constantFrom(
    "/api/v1/workspaces",
    "/api/v1/connections",
    "/api/v1/end-users",
    "/api/v1/integrations",
    "/api/v1/mcp/servers",
    "/api/v1/changes",
    "/health",
    "/api/v1",
    "/",
    `/api/v1/workspaces/${WS}/integrations`,
  ),
  segment.map((s) => `/api/v1/workspaces/${s}`),
  segment.map((s) => `/api/v1/workspaces/${s}/integrations`),
  fc.tuple(segment, segment).map(([w, i]) => `/api/v1/workspaces/${w}/integrations/${i}`),
  segment.map((s) => `/api/v1/workspaces/${WS}/integrations/${s}`),
  segment.map((s) => `/api/v1/connections/${s}`),
  segment.map((s) => `/api/v1/mcp/servers/${s}`),
  fc.array(segment, { minLength: 1, maxLength: 5 }).map((s) => `/${s.join("/")}`),
);

const queryValue = fc.oneof(
  fc.constantFrom("0", "1", "-1", "100", "101", "abc", "", "true", "1e3", "9007199254740993"),
  nastyString.map((s) => s.slice(0, 100)),
);
const queryString = fc.oneof(
  { weight: 2, arbitrary: fc.constant("") },
  {
    weight: 1,
    arbitrary: fc
      .array(
        fc.tuple(
          fc.constantFrom(
            "limit",
            "offset",
            "workspaceId",
            "integrationName",
            "name",
            "search",
            "summary",
            "since",
            "x",
          ),
          queryValue,
        ),
        { minLength: 1, maxLength: 4 },
      )
      .map((pairs) => `?${pairs.map(([k, v]) => `${k}=${enc(v)}`).join("&")}`),
  },
);

const withSecrets = (v: Record<string, unknown>) => {
  const out = { ...v };
  for (const k of ["secretText", "password", "accessToken", "refreshToken"]) {
    if (typeof out[k] === "string") out[k] = `${SECRET_MARK}-${out[k]}`;
  }
  return out;
};

/** Valid-ish bodies for each kind of write, and anything else. */
const body = fc.oneof(
  { weight: 2, arbitrary: validValue(schema(CreateWorkspaceIntegrationSchema)) },
  { weight: 2, arbitrary: validValue(schema(UpdateWorkspaceIntegrationSchema)) },
  { weight: 1, arbitrary: validValue(schema(CreateWorkspaceSchema)) },
  {
    weight: 2,
    arbitrary: validValue(schema(CreateConnectionSchema)).map((v) =>
      withSecrets(v as Record<string, unknown>),
    ),
  },
  { weight: 1, arbitrary: validValue(schema(CreateEndUserSchema)) },
  { weight: 1, arbitrary: validValue(schema(CreateMcpServerSchema)) },
  { weight: 1, arbitrary: validValue(schema(UpdateMcpServerSchema)) },
  { weight: 2, arbitrary: hostileJson },
);

const post = (p: string, arb: fc.Arbitrary<unknown>) =>
  arb.map((b) => ({ method: "POST", path: p, body: JSON.stringify(b) as string | undefined }));
const onExisting = (
  method: string,
  p: (n: number) => string,
  arb: fc.Arbitrary<unknown> = fc.constant(undefined),
) =>
  fc.tuple(fc.nat(), arb).map(([n, b]) => ({
    method,
    path: p(n),
    body: b === undefined ? undefined : JSON.stringify(b),
  }));

/**
 * Requests aimed at real endpoints with a body of their kind, on rows that exist
 * (`{integration:N}` is replaced by the Nth existing id when the request is sent): these get
 * past routing and reach the rules and the store, where "refused but stored" could happen.
 */
const coherent = fc.oneof(
  post(
    `/api/v1/workspaces/${WS}/integrations`,
    validValue(schema(CreateWorkspaceIntegrationSchema)),
  ),
  onExisting(
    "PATCH",
    (n) => `/api/v1/workspaces/${WS}/integrations/{integration:${n}}`,
    validValue(schema(UpdateWorkspaceIntegrationSchema)),
  ),
  onExisting("DELETE", (n) => `/api/v1/workspaces/${WS}/integrations/{integration:${n}}`),
  post("/api/v1/workspaces", validValue(schema(CreateWorkspaceSchema))),
  post(
    "/api/v1/connections",
    validValue(schema(CreateConnectionSchema)).map((v) =>
      withSecrets(v as Record<string, unknown>),
    ),
  ),
  onExisting("DELETE", (n) => `/api/v1/connections/{connection:${n}}`),
  post("/api/v1/end-users", validValue(schema(CreateEndUserSchema))),
  post("/api/v1/mcp/servers", validValue(schema(CreateMcpServerSchema))),
  onExisting(
    "PATCH",
    (n) => `/api/v1/mcp/servers/{server:${n}}`,
    validValue(schema(UpdateMcpServerSchema)),
  ),
  onExisting("DELETE", (n) => `/api/v1/mcp/servers/{server:${n}}`),
);

type Req = {
  method: string;
  path: string;
  headers: Record<string, string>;
  payload: string | undefined;
};

/** Replaces `{integration:N}`-style placeholders by the Nth existing id (or one that is not). */
function withExisting(p: string, local: TestLocalApi): string {
  return p.replace(/\{(integration|connection|server):(\d+)\}/, (_m, kind: string, n: string) => {
    const ids =
      kind === "integration"
        ? local.store.integrations.records(WS).map((r) => r.id)
        : (local.store.db
            .prepare(
              `SELECT id FROM ${kind === "server" ? "mcp_servers" : "connections"} ORDER BY rowid`,
            )
            .pluck()
            .all() as string[]);
    return ids.length === 0 ? "none" : (ids[Number(n) % ids.length] as string);
  });
}

describe("fuzz: local API bodies, paths and headers", () => {
  let local: TestLocalApi;
  const logs = capturingLog();
  beforeAll(async () => {
    local = await startTestLocalApi({ demo: true, log: logs.log });
  });
  afterAll(async () => {
    await local?.close();
  });

  it(
    "one reply, no 5xx, the envelope on errors, no secret, nothing stored when refused",
    async () => {
      const stats = new FuzzStats("local-api", RUNS);
      const key = local.apiKey;
      const req: fc.Arbitrary<Req> = fc
        .record({
          target: fc.oneof(
            fc.record({
              method: fc.constantFrom("GET", "POST", "PATCH", "PUT", "DELETE", "HEAD", "OPTIONS"),
              path,
              body: fc.oneof(
                { weight: 6, arbitrary: body.map((b) => JSON.stringify(b) as string | undefined) },
                { weight: 1, arbitrary: fc.constant(undefined) },
                { weight: 1, arbitrary: nastyString },
              ),
            }),
            coherent,
          ),
          query: queryString,
          auth: fc.oneof(
            { weight: 8, arbitrary: fc.constant(`Bearer ${key}`) },
            {
              weight: 1,
              arbitrary: fc.constantFrom(
                "",
                "Bearer",
                `Basic ${Buffer.from(`x:${key}`).toString("base64")}`,
                `bearer ${key}`,
                `Bearer ${key}x`,
                `Bearer  ${key} extra`,
                "Bearer wvz_wrong_key_000000000000",
              ),
            },
          ),
          contentType: fc.oneof(
            { weight: 6, arbitrary: fc.constant("application/json") },
            {
              weight: 1,
              arbitrary: fc.constantFrom(
                "",
                "text/plain",
                "application/json; charset=latin1",
                "application/x-www-form-urlencoded",
                "application/vnd.api+json",
                "multipart/form-data; boundary=zz",
                "application/jsonx",
              ),
            },
          ),
        })
        .map(({ target: { method, path: p, body: b }, query, auth, contentType }) => {
          const headers: Record<string, string> = {};
          if (auth) headers.authorization = auth;
          if (contentType) headers["content-type"] = contentType;
          // The change feed would hold a request for up to 30 s by design: keep it short.
          const q = p.startsWith("/api/v1/changes")
            ? `${query}${query ? "&" : "?"}waitMs=0`
            : query;
          const payload = method === "GET" || method === "HEAD" ? undefined : b;
          return { method, path: `${p}${q}`, headers, payload };
        });

      try {
        await fc.assert(
          fc.asyncProperty(req, async (r) => {
            stats.cases++;
            r.path = withExisting(r.path, local);
            const before = fingerprint(local.store);
            let status: number;
            let text: string;
            let headers: Record<string, unknown>;
            try {
              const res = await answered(
                request(`${local.url}${r.path}`, {
                  method: r.method as "GET",
                  headers: r.headers,
                  ...(r.payload !== undefined ? { body: r.payload } : {}),
                }),
                REPLY_MS,
              );
              status = res.statusCode;
              headers = res.headers;
              text = await answered(res.body.text(), REPLY_MS);
            } catch (err) {
              if ((err as Error).message === UNANSWERED) stats.unanswered++;
              else stats.crashes++;
              throw err;
            }
            if (status >= 500) {
              stats.crashes++;
              throw new Error(`${status} for ${r.method} ${r.path}: ${text.slice(0, 300)}`);
            }
            const out = `${text}\n${JSON.stringify(headers)}\n${logs.lines.join("\n")}`;
            logs.lines.length = 0;
            if (findSecret(out, [key, key.slice(4), SECRET_MARK])) {
              stats.leaks++;
              throw new Error(`secret in the reply to ${r.method} ${r.path}`);
            }
            if (status >= 400) {
              stats.rejected++;
              if (r.method !== "HEAD") {
                const parsed = JSON.parse(text);
                expect(Object.keys(parsed).sort(), text).toEqual(["code", "details", "error"]);
              }
              expect(fingerprint(local.store), `${r.method} ${r.path} refused but stored`).toBe(
                before,
              );
            } else {
              stats.accepted++;
            }
          }),
          fuzzParams(RUNS),
        );
      } finally {
        stats.report();
      }
      stats.expectFloor();
      expect(stats.crashes + stats.unanswered + stats.leaks).toBe(0);
    },
    fuzzTimeout(),
  );
});
