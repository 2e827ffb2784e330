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
