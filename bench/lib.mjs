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
