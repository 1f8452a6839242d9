// Helpers shared by the benchmarks.
import { request } from "undici";

/**
 * A JSON call to the local API with a key, through an undici Pool (or the global dispatcher
 * when `pool` is omitted and `origin` is given). Throws on an error status.
 */
export function restClient({ key, pool, origin }) {
  return async (method, path, body) => {
    const opts = {
      method,
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: body === undefined ? null : JSON.stringify(body),
    };
    const r = pool
      ? await pool.request({ ...opts, path })
      : await request(`${origin}${path}`, opts);
    const text = await r.body.text();
    if (r.statusCode >= 300) throw new Error(`${method} ${path} → ${r.statusCode} ${text}`);
    return JSON.parse(text);
  };
}

/** Percentile p (0-100) of values, nearest rank. */
export function percentile(values, p) {
  const s = Float64Array.from(values).sort();
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

/**
 * The local API origin a spawned `local-api` prints ("listening on ORIGIN/api/v1"): resolves
 * with it, rejects if the child exits first (or, given TIMEOUT_MS, prints nothing in time).
 */
export function localApiOrigin(child, timeoutMs) {
  return new Promise((res, rej) => {
    let out = "";
    const t = timeoutMs
      ? setTimeout(() => rej(new Error(`local-api did not start: ${out}`)), timeoutMs)
      : undefined;
    child.stdout.on("data", (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)\/api\/v1/.exec(out);
      if (m) {
        clearTimeout(t);
        res(m[1]);
      }
    });
    child.once("exit", (c) => rej(new Error(`local-api exited ${c}`)));
  });
}
