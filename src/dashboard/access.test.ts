// The dashboard's session lifetime on a fake clock (Sessions reads Date.now): exact edges
// instead of sleeping past a short TTL.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Sessions } from "./access.js";

describe("dashboard sessions", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("end after their idle lifetime, which each use renews", () => {
    const sessions = new Sessions(20);
    const s = sessions.create("x", undefined, { kind: "cli", label: null });
    expect(sessions.get(s.id)).toBe(s);
    vi.advanceTimersByTime(19);
    expect(sessions.get(s.id)).toBe(s); // used at 19: lives until 39
    vi.advanceTimersByTime(19);
    expect(sessions.get(s.id)).toBe(s); // used at 38: lives until 58
    vi.advanceTimersByTime(19);
    expect(sessions.size).toBe(1);
    vi.advanceTimersByTime(1);
    expect(sessions.get(s.id)).toBeUndefined(); // idle for 20: ended, and forgotten
    expect(sessions.size).toBe(0);
  });

  it("end at their lifetime when never used again", () => {
    const sessions = new Sessions(20);
    const s = sessions.create("x", undefined, { kind: "cli", label: null });
    vi.advanceTimersByTime(20);
    expect(sessions.get(s.id)).toBeUndefined();
  });
});
