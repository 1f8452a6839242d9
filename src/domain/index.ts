export * from "./catalog-index.js";
// Types only: the search (minisearch and its synonym table) is imported where it runs, so
// importing the domain barrel on the MCP startup path does not load it.
export type { CatalogHit, CatalogSynonyms, RankedName } from "./catalog-search.js";
export * from "./common.js";
export * from "./entities.js";
export * from "./errors.js";
export * from "./execute.js";
export * from "./integration.js";
export * from "./integration-rules.js";
export * from "./json.js";
export * from "./mcp-server.js";
