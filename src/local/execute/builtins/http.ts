import { Agent, interceptors, request } from "undici";
import { jsonDepth, MAX_JSON_DEPTH } from "../json-depth.js";
import { BlockedDestination, guardedConnect } from "../net-guard.js";
import { actionFailed, type BuiltIn } from "../types.js";

/** Largest response body an http action reads; past it the request is aborted. */
export const HTTP_MAX_RESPONSE_BYTES = 5 * 1024 * 1024;
const DEFAULT_TIMEOUT_S = 30;
const MAX_TIMEOUT_S = 60;

// Every connection, redirect hops included, goes through the guarded connector (net-guard.ts).
const plain = new Agent({ connect: guardedConnect });
const following = new Agent({ connect: guardedConnect }).compose(
  interceptors.redirect({ maxRedirections: 5 }),
);

/** The refusal behind an undici error, if that is what it is. */
function blocked(err: unknown): BlockedDestination | undefined {
  for (let e = err, i = 0; e && typeof e === "object" && i < 5; i++) {
    if (e instanceof BlockedDestination) return e;
    if (e instanceof AggregateError) {
      const inner = e.errors.find((x) => x instanceof BlockedDestination);
      if (inner) return inner;
    }
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

type Obj = Record<string, unknown>;

function stringRecord(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (v && typeof v === "object") {
    for (const [k, x] of Object.entries(v as Obj)) {
      if (x !== undefined && x !== null) out[k] = typeof x === "string" ? x : JSON.stringify(x);
    }
  }
  return out;
}

/** http.send_request: a real request (undici) with a timeout and a response size limit. */
export const http: BuiltIn = {
  async send_request(ctx) {
    const i = ctx.input;
    let url: URL;
    try {
      url = new URL(i.url as string);
    } catch {
      throw actionFailed(`url "${String(i.url).slice(0, 200)}" is not an absolute URL.`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw actionFailed(`url must be http or https (got ${url.protocol}).`);
    }
    for (const [k, v] of Object.entries(stringRecord(i.queryParams))) url.searchParams.append(k, v);
    const headers = stringRecord(i.headers);
    const auth = (i.authFields ?? {}) as Obj;
    if (i.authType === "BASIC") {
      headers.authorization = `Basic ${Buffer.from(`${auth.username ?? ""}:${auth.password ?? ""}`).toString("base64")}`;
    } else if (i.authType === "BEARER_TOKEN") {
      headers.authorization = `Bearer ${String(auth.token ?? "")}`;
    }
    let body: string | undefined;
    const bodyType =
      (i.body_type as string | undefined) ?? (i.body !== undefined ? "json" : "none");
    if (bodyType !== "none" && i.body !== undefined && i.method !== "GET" && i.method !== "HEAD") {
      if (bodyType === "form_data") {
        body = new URLSearchParams(stringRecord(i.body)).toString();
        headers["content-type"] ??= "application/x-www-form-urlencoded";
      } else if (bodyType === "raw") {
        const data = (i.body as Obj).data;
        body = typeof data === "string" ? data : JSON.stringify(i.body);
      } else {
        body = JSON.stringify(i.body);
        headers["content-type"] ??= "application/json";
      }
    }
    const timeoutS = Math.min(
      MAX_TIMEOUT_S,
      Math.max(1, (i.timeout as number | undefined) ?? DEFAULT_TIMEOUT_S),
    );
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutS * 1000);
    const onAbort = () => controller.abort();
    ctx.signal?.addEventListener("abort", onAbort, { once: true });
    const started = Date.now();
    try {
      const res = await request(url, {
        method: i.method as "GET",
        headers,
        body,
        signal: controller.signal,
        dispatcher: i.followRedirects === false ? plain : following,
      });
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length;
        if (size > HTTP_MAX_RESPONSE_BYTES) {
          res.body.destroy();
          throw actionFailed(
            `The response from ${url.host} is larger than ${HTTP_MAX_RESPONSE_BYTES / 1024 / 1024} MiB; the request was aborted.`,
            { reason: "response_too_large", limitBytes: HTTP_MAX_RESPONSE_BYTES },
          );
        }
        chunks.push(chunk as Buffer);
      }
      const raw = Buffer.concat(chunks);
      const contentType = String(res.headers["content-type"] ?? "");
      let parsed: unknown;
      if (i.response_is_binary === true) parsed = raw.toString("base64");
      else if (/json/i.test(contentType)) {
        const text = raw.toString("utf8");
        if (jsonDepth(text) > MAX_JSON_DEPTH) {
          throw actionFailed(
            `The JSON response from ${url.host} is nested deeper than ${MAX_JSON_DEPTH} levels; it was not parsed.`,
            { reason: "response_too_deep", maxDepth: MAX_JSON_DEPTH },
          );
        }
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = text;
        }
      } else parsed = raw.toString("utf8");
      const output = {
        status: res.statusCode,
        headers: res.headers,
        body: parsed,
        durationMs: Date.now() - started,
      };
      const mode = (i.failureMode as string | undefined) ?? "continue_none";
      const failed =
        (res.statusCode >= 500 && mode !== "continue_all") ||
        (res.statusCode >= 400 &&
          res.statusCode < 500 &&
          mode !== "continue_all" &&
          mode !== "continue_4xx");
      if (failed) {
        throw actionFailed(`${i.method} ${url.host}${url.pathname} answered ${res.statusCode}.`, {
          reason: "http_status",
          response: {
            status: res.statusCode,
            body: typeof parsed === "string" ? parsed.slice(0, 2000) : parsed,
          },
        });
      }
      return output;
    } catch (err) {
      if (err && typeof err === "object" && (err as { name?: string }).name === "ApiError")
        throw err;
      if (controller.signal.aborted) {
        throw actionFailed(
          ctx.signal?.aborted
            ? "The request was cancelled."
            : `${i.method} ${url.host} did not answer within ${timeoutS} s.`,
          { reason: ctx.signal?.aborted ? "cancelled" : "timeout", timeoutSeconds: timeoutS },
        );
      }
      const refused = blocked(err);
      if (refused) {
        throw actionFailed(`${i.method} ${url.host} was refused: ${refused.message}`, {
          reason: "blocked_destination",
          host: refused.host,
          port: refused.port,
          address: refused.address,
          kind: refused.kind,
        });
      }
      throw actionFailed(`${i.method} ${url.host} failed: ${(err as Error).message}`, {
        reason: "network",
      });
    } finally {
      clearTimeout(timer);
      ctx.signal?.removeEventListener("abort", onAbort);
    }
  },
};
