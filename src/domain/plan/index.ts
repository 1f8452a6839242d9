export * from "./engine.js";
export { canonicalJson, fingerprintLiveState, stepsDigest } from "./fingerprint.js";
export * from "./model.js";
export * from "./render.js";
export { createRequest } from "./steps.js";
