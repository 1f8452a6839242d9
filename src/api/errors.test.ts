import { describe, expect, it } from "vitest";
import { WeavzAbortError, WeavzApiError, WeavzTimeoutError } from "./errors.js";

const gateway = () =>
  WeavzApiError.generate({
    status: 503,
    body: { error: "upstream unavailable", code: "INTERNAL_ERROR" },
    method: "POST",
    path: "/api/v1/workspaces/w/integrations",
    requestId: "req-1",
  });

/** An error as made from an API answer to a request for "/p". */
const answer = (status: number, error: string, code: string, method = "GET") =>
  WeavzApiError.generate({ status, body: { error, code }, method, path: "/p" });

describe("errors are facts fixed when made", () => {
  it("afterCreateCheck makes a new error of the same kind and leaves the thrown one as it was", () => {
    const original = gateway();
    const checked = original.afterCreateCheck(
      { outcome: "not_created", basis: "absent" },
      "It was NOT created.",
    );
    expect(checked).not.toBe(original);
    expect(checked).toBeInstanceOf(WeavzApiError);
    expect(checked.createOutcome).toBe("not_created");
    expect(checked.createCheck?.basis).toBe("absent");
    expect(checked.message).toBe("upstream unavailable. It was NOT created.");
    expect((checked as WeavzApiError).requestId).toBe("req-1");
    expect(original.createOutcome).toBeUndefined();
    expect(original.message).toBe("upstream unavailable");

    const timeout = new WeavzTimeoutError("slow", "POST", "/p", 1000, 2);
    const t2 = timeout.afterCreateCheck({ outcome: "unknown", basis: "list_failed" });
    expect(t2).toBeInstanceOf(WeavzTimeoutError);
    expect((t2 as WeavzTimeoutError).attempts).toBe(2);
    expect(timeout.createCheck).toBeUndefined();
    expect(
      new WeavzAbortError("x").afterCreateCheck({ outcome: "unknown", basis: "cancelled" }),
    ).toBeInstanceOf(WeavzAbortError);
  });

  it("types the code: a known one as is, an unknown one by its status, still shown as sent", () => {
    const known = answer(409, "taken", "ALIAS_CONFLICT", "POST");
    expect(known.code).toBe("ALIAS_CONFLICT");
    const odd = answer(404, "gone", "SOMETHING_NEW");
    expect(odd.code).toBe("NOT_FOUND");
    expect(odd.reportedCode).toBe("SOMETHING_NEW");
  });

  it("records which thing a NOT_FOUND is about where the answer is parsed", () => {
    const notFound = (error: string) => answer(404, error, "NOT_FOUND").missing;
    expect(notFound("Workspace w1 not found; list workspaces.")).toBe("workspace");
    expect(notFound("Workspace integration i1 not found in workspace w1")).toBeUndefined();
  });
});
