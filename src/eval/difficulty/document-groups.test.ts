import { describe, expect, it } from "vitest";
import { InputError } from "../../errors.js";
import { corpusOrder, groupByDocument } from "./document-groups.js";

const corpus = [
  { sourceId: "c.jsonl:1", text: "First document. It is short." },
  { sourceId: "c.jsonl:2", text: "Second document, the long one. Its second half is here." },
];

describe("groupByDocument", () => {
  it("finds a record's text by source_id, cut to source_span for a chunk, whatever its article_index", () => {
    const groups = groupByDocument(
      "a.jsonl",
      [
        { instruction: "q1", articleIndex: 2, sourceId: "c.jsonl:2", sourceSpan: [31, 55] },
        { instruction: "q2", articleIndex: 1, sourceId: "c.jsonl:2", sourceSpan: [0, 31] },
        { instruction: "q3", articleIndex: 1, sourceId: "c.jsonl:2", sourceSpan: [0, 31] },
        { instruction: "q4", articleIndex: 0, sourceId: "c.jsonl:1" },
      ],
      corpus,
    );
    const sorted = [...groups.values()].sort(corpusOrder);
    expect(sorted.map((g) => [g.key, g.text, g.records.map((r) => r.instruction)])).toEqual([
      ["c.jsonl:1", "First document. It is short.", ["q4"]],
      ["c.jsonl:2 [0, 31)", "Second document, the long one. ", ["q2", "q3"]],
      ["c.jsonl:2 [31, 55)", "Its second half is here.", ["q1"]],
    ]);
    expect(groups.get("c.jsonl:2 [31, 55)")).toMatchObject({ sourceId: "c.jsonl:2", span: [31, 55], position: 1, articleIndex: 2 });
  });

  it("looks a record without source_id up by article_index, under the same key as the same document's source_id", () => {
    const withIds = groupByDocument("a", [{ instruction: "x", articleIndex: 1, sourceId: "c.jsonl:2" }], corpus);
    const other = groupByDocument("b", [{ instruction: "y", articleIndex: 1 }], corpus);
    expect([...other.keys()]).toEqual([...withIds.keys()]);
    expect(other.get("c.jsonl:2")!.text).toBe(corpus[1]!.text);
  });

  it("finds records by their line or element number when the corpus file was renamed, with one warning", () => {
    const warnings: string[] = [];
    const groups = groupByDocument(
      "a.jsonl",
      [
        { instruction: "q1", sourceId: "long.jsonl:2", sourceSpan: [31, 55] },
        { instruction: "q2", sourceId: "long.jsonl:1" },
        { instruction: "q3", sourceId: "c.jsonl:1" },
      ],
      corpus,
      (message) => warnings.push(message),
    );
    expect([...groups.keys()].sort()).toEqual(["c.jsonl:1", "c.jsonl:2 [31, 55)"]);
    expect(groups.get("c.jsonl:1")!.records.map((r) => r.instruction)).toEqual(["q2", "q3"]);
    expect(groups.get("c.jsonl:2 [31, 55)")!.text).toBe("Its second half is here.");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/a\.jsonl: 2 records' source_id \("long\.jsonl:2", "long\.jsonl:1"\) not in the corpus; matched by line or element number/);

    const array = [
      { sourceId: "docs.json#0", text: "Zero." },
      { sourceId: "docs.json#1", text: "One." },
    ];
    const byElement = groupByDocument("b.jsonl", [{ instruction: "x", sourceId: "old.json#1" }], array, () => {});
    expect(byElement.get("docs.json#1")!.text).toBe("One.");
  });

  it("falls back to article_index for an unknown source_id when no record is a chunk, and never for chunks", () => {
    const warnings: string[] = [];
    const groups = groupByDocument("a.jsonl", [{ instruction: "x", sourceId: "old.txt", articleIndex: 1 }], corpus, (m) => warnings.push(m));
    expect(groups.get("c.jsonl:2")!.records).toHaveLength(1);
    expect(warnings[0]).toMatch(/article_index/);
    // After chunking, article_index counts chunks, not corpus documents.
    expect(() =>
      groupByDocument("a.jsonl", [
        { instruction: "x", sourceId: "old.txt", articleIndex: 1 },
        { instruction: "y", sourceId: "old.txt", articleIndex: 0, sourceSpan: [0, 5] },
      ], corpus),
    ).toThrow(/source_id "old\.txt" not in the corpus/);
  });

  it("does not guess by line number when the corpus holds that line in several files", () => {
    const two = [...corpus, { sourceId: "d.jsonl:1", text: "Another file's first line." }];
    expect(() => groupByDocument("a.jsonl", [{ instruction: "x", sourceId: "long.jsonl:1" }], two)).toThrow(/source_id "long\.jsonl:1" not in the corpus/);
  });

  it("names the file and the records that fit no document of the corpus", () => {
    expect(() => groupByDocument("a.jsonl", [{ instruction: "x", sourceId: "other.jsonl:4" }], corpus)).toThrow(
      /a\.jsonl: source_id "other\.jsonl:4" not in the corpus/,
    );
    expect(() => groupByDocument("a.jsonl", [{ instruction: "x", sourceId: "c.jsonl:1", sourceSpan: [10, 500] }], corpus)).toThrow(
      /source_span \[10, 500\] of c\.jsonl:1 reaches past its end \(28 characters\)/,
    );
    expect(() => groupByDocument("a.jsonl", [{ instruction: "x", articleIndex: 2 }], corpus)).toThrow(/article_index 2 not in the corpus, which has 2 documents/);
    expect(() => groupByDocument("a.jsonl", [{ instruction: "x" }], corpus)).toThrow(InputError);
  });
});
