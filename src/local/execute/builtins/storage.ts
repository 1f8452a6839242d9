import type { StoredFile } from "../../store/stored-files.js";
import { actionFailed, type BuiltIn, type RunContext } from "../types.js";

const MAX_FILE_BYTES = 5 * 1024 * 1024;
const MAX_PATH_LENGTH = 1024;

/** A relative path without empty, `.` or `..` segments; leading slashes are dropped. */
function path(ctx: RunContext, field = "path"): string {
  const raw = String(ctx.input[field] ?? "").replace(/^\/+/, "");
  const segs = raw.split("/");
  if (
    raw.length === 0 ||
    raw.length > MAX_PATH_LENGTH ||
    segs.some((s) => s === "" || s === "." || s === "..") ||
    raw.includes("\0")
  ) {
    throw actionFailed(
      `${field} "${raw.slice(0, 200)}" is not a valid file path: use 1-${MAX_PATH_LENGTH} characters, segments separated by /, no empty, . or .. segments.`,
    );
  }
  return raw;
}

function readRow(ctx: RunContext, p: string): StoredFile {
  const row = ctx.store.files.get(ctx.scope(), p);
  if (!row)
    throw actionFailed(`No file "${p}" in this storage; list_files shows what exists.`, {
      path: p,
    });
  return row;
}

/** storage: files as bytes in SQLite, under the persistence scope. */
export const storage: BuiltIn = {
  write_file(ctx) {
    const p = path(ctx);
    const encoding = (ctx.input.contentEncoding as string | undefined) ?? "utf8";
    const content = Buffer.from(
      ctx.input.content as string,
      encoding === "base64" ? "base64" : "utf8",
    );
    if (content.length > MAX_FILE_BYTES) {
      throw actionFailed(`File is larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB.`);
    }
    const contentType = (ctx.input.contentType as string | undefined) ?? "application/octet-stream";
    ctx.store.files.put(ctx.scope(), p, content, contentType);
    return { path: p, size: content.length, contentType };
  },
  read_file(ctx) {
    const p = path(ctx);
    const row = readRow(ctx, p);
    const encoding = (ctx.input.outputEncoding as string | undefined) ?? "utf8";
    return {
      path: p,
      content: row.content.toString(encoding === "base64" ? "base64" : "utf8"),
      encoding,
      contentType: row.contentType,
      size: row.content.length,
    };
  },
  delete_file(ctx) {
    const p = path(ctx);
    return { path: p, deleted: ctx.store.files.delete(ctx.scope(), p) };
  },
  list_files(ctx) {
    const prefix = String(ctx.input.prefix ?? "").replace(/^\/+/, "");
    const files = ctx.store.files.list(ctx.scope(), prefix);
    return { files, total: files.length };
  },
  // Offline there is no file server: the URL is a data: URL holding the bytes (it never
  // expires, so expiresInSeconds is ignored).
  get_download_url(ctx) {
    const p = path(ctx);
    const row = readRow(ctx, p);
    return {
      path: p,
      url: `data:${row.contentType};base64,${row.content.toString("base64")}`,
      expiresAt: null,
    };
  },
};
