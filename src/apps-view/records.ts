/** Readers of tool results as the views receive them: untyped JSON, read defensively. */
export type Rec = Record<string, unknown>;
export const isRec = (v: unknown): v is Rec => !!v && typeof v === "object" && !Array.isArray(v);
export const str = (v: unknown, fallback = ""): string => (typeof v === "string" ? v : fallback);
export const list = (v: unknown): Rec[] => (Array.isArray(v) ? v.filter(isRec) : []);
