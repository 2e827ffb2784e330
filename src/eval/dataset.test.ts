import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/temp-dir.js";
import { readInstructions } from "./dataset.js";

async function dataset(lines: unknown[]): Promise<string> {
  const path = join(tempDir("foveate-dataset-"), "d.jsonl");
  await writeFile(path, lines.map((line) => JSON.stringify(line)).join("\n"));
  return path;
}

describe("readInstructions", () => {
  it("keeps the level and the provenance a record gives, and leaves out what it does not (or gives as null)", async () => {
    const path = await dataset([
      { instruction: "a", article_index: 3, level: "macro", source_id: "c.jsonl:2", source_span: [10, 40] },
      { instruction: "b", article_index: 0, level: null, source_id: null, source_span: null },
      { instruction: "c" },
    ]);
    expect(await readInstructions(path)).toEqual([
      { instruction: "a", articleIndex: 3, level: "macro", sourceId: "c.jsonl:2", sourceSpan: [10, 40] },
      { instruction: "b", articleIndex: 0 },
      { instruction: "c" },
    ]);
  });

  it("names the line of a malformed level, source_id or source_span", async () => {
    await expect(readInstructions(await dataset([{ instruction: "a" }, { instruction: "b", source_span: [5, 2] }]))).rejects.toThrow(
      /d\.jsonl:2: "source_span" must be \[start, end\] with 0 <= start <= end, got \[5,2\]/,
    );
    await expect(readInstructions(await dataset([{ instruction: "a", source_id: 7 }]))).rejects.toThrow(/d\.jsonl:1: "source_id" must be a string, got 7/);
    await expect(readInstructions(await dataset([{ instruction: "a", level: ["micro"] }]))).rejects.toThrow(/d\.jsonl:1: "level" must be a string/);
  });
});
