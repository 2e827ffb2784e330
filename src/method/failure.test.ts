import { describe, expect, it } from "vitest";
import { FAILURE_REASONS, describeFailure, failure } from "./failure.js";

describe("failures", () => {
  it("keep a detail only when there is one", () => {
    expect(failure("unanswerable")).toEqual({ reason: "unanswerable" });
    expect(failure("missing keyword", '"war"')).toEqual({ reason: "missing keyword", detail: '"war"' });
  });

  it("are each told to the model in words of their own", () => {
    const told = FAILURE_REASONS.map((reason) => describeFailure(failure(reason)));
    for (const text of told) expect(text.length).toBeGreaterThan(10);
    expect(new Set(told).size).toBe(FAILURE_REASONS.length - 1); // both unusable replies read the same
  });

  it("name what the failure is about", () => {
    expect(describeFailure(failure("missing keyword", '"war", "peace"'))).toContain('missing "war", "peace"');
    expect(describeFailure(failure("refers to the passage", "answer"))).toMatch(/^Its answer referred/);
    expect(describeFailure(failure("wrong language", "instruction"))).toMatch(/^It was not in the document's language/);
  });
});
