export * from "./catalog-index.js";
export * from "./catalog-search.js";
export * from "./common.js";
export * from "./entities.js";
export * from "./errors.js";
export * from "./integration.js";
export * from "./integration-rules.js";
export * from "./mcp-server.js";
