// `node --import <this file>`: appends the URL of every local module the process loads to the
// file named by WEAVZ_TEST_LOAD_LOG (module hooks, Node >= 20.6), so a test can see what a
// start loads.
import { register } from "node:module";

register(
  `data:text/javascript,${encodeURIComponent(`
import { appendFileSync } from "node:fs";
export async function load(url, context, next) {
  if (process.env.WEAVZ_TEST_LOAD_LOG && url.startsWith("file:")) {
    appendFileSync(process.env.WEAVZ_TEST_LOAD_LOG, url + "\\n");
  }
  return next(url, context);
}`)}`,
);
