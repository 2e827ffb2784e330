import { describe, expect, it } from "vitest";
import { batchState, isValidated, linesDone, shuffledOrder, validateBatchInput } from "./sim-batches.js";
import { parseSimFlags } from "./sim-main.js";
import { DEFAULT_SIM_OPTIONS, resolveOptions } from "./sim-server.js";

const good = (id: string, over: Record<string, unknown> = {}) =>
  JSON.stringify({ custom_id: id, method: "POST", url: "/v1/chat/completions", body: { model: "m", messages: [] }, ...over });

describe("validateBatchInput", () => {
  it("reads valid lines, skipping blank ones", () => {
    expect(validateBatchInput(`${good("a")}\n\n${good("b")}\n`, "/v1/chat/completions")).toEqual({
      lines: [
        { custom_id: "a", body: { model: "m", messages: [] } },
        { custom_id: "b", body: { model: "m", messages: [] } },
      ],
    });
  });

  it("fails the batch with every bad line, each named by its number", () => {
    const text = [
      good("a"),
      "{oops",
      good("a"),
      good("c", { method: "GET" }),
      good("d", { url: "/v1/embeddings" }),
      good("e", { body: { messages: [] } }),
      JSON.stringify({ method: "POST" }),
      "[]",
    ].join("\n");
    const result = validateBatchInput(text, "/v1/chat/completions");
    expect("errors" in result && result.errors.map((e) => [e.line, e.code])).toEqual([
      [2, "invalid_json_line"],
      [3, "duplicate_custom_id"],
      [4, "invalid_method"],
      [5, "mismatched_endpoint"],
      [6, "missing_required_parameter"],
      [7, "missing_required_parameter"],
      [8, "invalid_json_line"],
    ]);
  });

  it("fails an empty file", () => {
    expect(validateBatchInput("\n", "/v1/embeddings")).toEqual({ errors: [expect.objectContaining({ code: "empty_file", line: null })] });
  });
});

describe("a batch's progress over its turnaround", () => {
  it("validates for a tenth, runs until eight tenths, finalizes until the end", () => {
    expect([0, 99, 100, 799, 800, 999, 1000, 5000].map((t) => batchState(t, 1000))).toEqual([
      "validating",
      "validating",
      "in_progress",
      "in_progress",
      "finalizing",
      "finalizing",
      "ended",
      "ended",
    ]);
    expect(batchState(0, 0)).toBe("ended");
    expect([isValidated(99, 1000), isValidated(100, 1000), isValidated(0, 0)]).toEqual([false, true, true]);
  });

  it("has done none of its lines while validating, all once processed, in step between", () => {
    expect([0, 100, 450, 799, 800, 2000].map((t) => linesDone(10, t, 1000))).toEqual([0, 0, 5, 9, 10, 10]);
    expect(linesDone(10, 0, 0)).toBe(10);
  });
});

describe("shuffledOrder", () => {
  it("is a permutation fixed by its seed", () => {
    const order = shuffledOrder(50, "batch_1");
    expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(order).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(shuffledOrder(50, "batch_1")).toEqual(order);
    expect(shuffledOrder(50, "batch_2")).not.toEqual(order);
  });
});

describe("the batch options", () => {
  it("takes batch ordinals from flags and refuses what is not one", () => {
    const flags = parseSimFlags(["--expire-batches", "1,3", "--batch-turnaround-ms", "2000"]);
    expect(resolveOptions(DEFAULT_SIM_OPTIONS, flags)).toMatchObject({ expireBatches: [1, 3], batchTurnaroundMs: 2000 });
    expect(() => resolveOptions(DEFAULT_SIM_OPTIONS, { failBatches: [0] })).toThrow(/failBatches must be a list of batch ordinals/);
    expect(() => resolveOptions(DEFAULT_SIM_OPTIONS, { rateBatchLineError: 2 })).toThrow(/rateBatchLineError must be a rate/);
    expect(() => resolveOptions(DEFAULT_SIM_OPTIONS, { errorLines: [1 as unknown as string] })).toThrow(/errorLines/);
  });
});
