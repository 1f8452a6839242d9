export * from "./catalog-search.js";
export * from "./common.js";
export * from "./entities.js";
export * from "./errors.js";
export * from "./execute.js";
export * from "./integration.js";
export * from "./mcp-server.js";
