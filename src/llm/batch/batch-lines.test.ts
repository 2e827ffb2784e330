import { describe, expect, it } from "vitest";
import { ConfigError } from "../../errors.js";
import type { BatchInfo } from "./batch-api.js";
import { batchFailureReason, batchInputLine, batchJsonl, readBatchInfo, readBatchOutput, splitIntoBatches } from "./batch-lines.js";

const line = (i: number, text = "x") => batchInputLine(`key-${i}`, { model: "m", messages: [{ role: "user", content: text }] }, "/v1/chat/completions");
const bytesOf = (lines: ReturnType<typeof line>[]) => Buffer.byteLength(batchJsonl(lines));

describe("batchInputLine and batchJsonl", () => {
  it("writes one POST line per request, keyed by the request's key, each ended by a newline", () => {
    expect(line(1)).toEqual({ custom_id: "key-1", method: "POST", url: "/v1/chat/completions", body: { model: "m", messages: [{ role: "user", content: "x" }] } });
    const text = batchJsonl([line(1), line(2)]);
    expect(text.split("\n")).toHaveLength(3);
    expect(JSON.parse(text.split("\n")[1]!)).toEqual(line(2));
  });
});

describe("splitIntoBatches", () => {
  const lines = Array.from({ length: 7 }, (_, i) => line(i));
  const one = bytesOf([lines[0]!]);

  it("keeps a wave under both limits in one batch", () => {
    expect(splitIntoBatches(lines, { maxLines: 7, maxBytes: bytesOf(lines) })).toEqual([lines]);
  });

  it("cuts at the line limit, in order", () => {
    const batches = splitIntoBatches(lines, { maxLines: 3, maxBytes: 1e9 });
    expect(batches.map((b) => b.length)).toEqual([3, 3, 1]);
    expect(batches.flat()).toEqual(lines);
  });

  it("cuts at the byte limit counting each line's JSON and newline", () => {
    const batches = splitIntoBatches(lines, { maxLines: 100, maxBytes: 2 * one });
    expect(batches.map((b) => b.length)).toEqual([2, 2, 2, 1]);
    for (const b of batches) expect(bytesOf(b)).toBeLessThanOrEqual(2 * one);
    expect(splitIntoBatches(lines, { maxLines: 100, maxBytes: 2 * one - 1 }).map((b) => b.length)).toEqual([1, 1, 1, 1, 1, 1, 1]);
  });

  it("counts bytes, not characters", () => {
    const wide = [line(0, "é".repeat(10)), line(1, "é".repeat(10))];
    const size = bytesOf([wide[0]!]);
    expect(size).toBeGreaterThan(JSON.stringify(wide[0]).length + 1);
    expect(splitIntoBatches(wide, { maxLines: 10, maxBytes: 2 * size - 1 })).toHaveLength(2);
  });

  it("refuses a single line larger than a batch, naming it", () => {
    expect(() => splitIntoBatches(lines, { maxLines: 10, maxBytes: one - 1 })).toThrow(ConfigError);
    expect(() => splitIntoBatches(lines, { maxLines: 10, maxBytes: one - 1 })).toThrow(/key-0/);
  });

  it("gives no batch for an empty wave", () => {
    expect(splitIntoBatches([])).toEqual([]);
  });
});

describe("readBatchOutput", () => {
  const ok = { id: "r1", custom_id: "a", response: { status_code: 200, body: {} }, error: null };
  const failed = { id: "r2", custom_id: "b", response: null, error: { code: "server_error", message: "boom" } };

  it("reads result and error lines, skipping blank ones", () => {
    expect(readBatchOutput(`${JSON.stringify(ok)}\n\n${JSON.stringify(failed)}\n`)).toEqual([ok, failed]);
    expect(readBatchOutput("")).toEqual([]);
  });

  it.each([
    ["{not json", /not valid JSON/],
    ["[1]", /not a JSON object/],
    [JSON.stringify({ response: { status_code: 200 } }), /no custom_id/],
    [JSON.stringify({ custom_id: "c", response: { body: {} } }), /without a status_code/],
    [JSON.stringify({ custom_id: "c" }), /neither a response nor an error/],
  ])("names the line of %s", (bad, problem) => {
    const read = readBatchOutput(`${JSON.stringify(ok)}\n${bad}\n`);
    expect(read).toEqual({ line: 2, problem: expect.stringMatching(problem) });
  });
});

describe("readBatchInfo and batchFailureReason", () => {
  it("accepts a batch object and refuses what is not one", () => {
    const info = { id: "batch_1", status: "in_progress", input_file_id: "file-1" };
    expect(readBatchInfo(info)).toEqual(info);
    expect(readBatchInfo("x")).toEqual({ problem: expect.stringMatching(/not a batch/) });
    expect(readBatchInfo({ ...info, status: "sleeping" })).toEqual({ problem: expect.stringMatching(/unknown status "sleeping"/) });
    expect(readBatchInfo({ ...info, id: undefined })).toEqual({ problem: expect.stringMatching(/without an id/) });
  });

  it("tells the provider's reasons on one line", () => {
    const info: BatchInfo = {
      id: "b",
      status: "failed",
      input_file_id: "f",
      errors: { data: [{ code: "invalid_request", message: "bad\nurl", line: 3 }, { code: "token_limit_exceeded" }] },
    };
    expect(batchFailureReason(info)).toBe("line 3: bad url; token_limit_exceeded");
    expect(batchFailureReason({ ...info, errors: null })).toBe("");
  });
});
