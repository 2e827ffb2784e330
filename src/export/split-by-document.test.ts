import { describe, expect, it } from "vitest";
import { ConfigError } from "../errors.js";
import { parseSplit, splitByDocument } from "./split-by-document.js";

describe("parseSplit", () => {
  it("reads named fractions that sum to 1", () => {
    expect(parseSplit("train=0.9,test=0.1")).toEqual([
      { name: "train", fraction: 0.9 },
      { name: "test", fraction: 0.1 },
    ]);
    expect(parseSplit("a=0.333333, b=0.333333, c_2=0.333334")).toHaveLength(3);
  });

  it.each([
    ["train=0.9,test=0.2", "sum to 1.1, not 1"],
    ["train=0.9", "sum to 0.9"],
    ["Train=1", 'the part name "Train"'],
    ["train=1,train=0", 'the part "train" is named twice'],
    ["train=0.5,test=0,x=0.5", 'the fraction of "test" must be a number above 0'],
    ["train=abc", 'the fraction of "train"'],
    ["train", "expected NAME=FRACTION pairs"],
  ])("refuses %s in one line naming the problem", (text, problem) => {
    expect(() => parseSplit(text)).toThrow(ConfigError);
    expect(() => parseSplit(text)).toThrow(problem);
  });
});

/** 300 documents of 1 to 40 items (varied, as chunks and levels make them). */
const documents = new Map(Array.from({ length: 300 }, (_, i) => [`doc-${i}`, 1 + ((i * 37) % 40)] as [string, number]));
const total = [...documents.values()].reduce((s, n) => s + n, 0);

function shares(assigned: Map<string, string>): Record<string, number> {
  const items: Record<string, number> = {};
  for (const [doc, part] of assigned) items[part] = (items[part] ?? 0) + documents.get(doc)!;
  return Object.fromEntries(Object.entries(items).map(([part, n]) => [part, n / total]));
}

describe("splitByDocument", () => {
  it("puts each document in one part, with each part's share of items close to its fraction", () => {
    const parts = parseSplit("train=0.8,validation=0.1,test=0.1");
    const assigned = splitByDocument(documents, parts, 0);
    expect([...assigned.keys()].sort()).toEqual([...documents.keys()].sort());
    const got = shares(assigned);
    // Off by at most half the largest document (40 items of about 6,000) at each cut.
    for (const part of parts) expect(Math.abs(got[part.name]! - part.fraction)).toBeLessThan(40 / total + 1e-9);
  });

  it("is reproducible for a seed, independent of the documents' order, and shuffles otherwise for another seed", () => {
    const parts = parseSplit("train=0.5,test=0.5");
    const reversed = new Map([...documents].reverse());
    expect(splitByDocument(reversed, parts, 3)).toEqual(splitByDocument(documents, parts, 3));
    const a = splitByDocument(documents, parts, 3);
    const b = splitByDocument(documents, parts, 4);
    expect([...a].filter(([doc, part]) => b.get(doc) !== part).length).toBeGreaterThan(50);
  });

  it("refuses a split that leaves a part empty, naming the part and the number of documents", () => {
    const two = new Map([["a", 10], ["b", 10]]);
    expect(() => splitByDocument(two, parseSplit("train=0.98,validation=0.01,test=0.01"), 0)).toThrow(
      /the part "(validation|test)" \(0\.01\) would get no item: the dataset has 2 documents \(20 items\)/,
    );
    // One document can only be in one part.
    expect(() => splitByDocument(new Map([["a", 100]]), parseSplit("train=0.5,test=0.5"), 0)).toThrow("has 1 document (100 items)");
  });
});
