export * from "./engine.js";
export * from "./model.js";
export * from "./render.js";
