import { describe, expect, it } from "vitest";
import type { SynthRecord } from "../method/record.js";
import { convertRecord, EXPORT_FORMATS, isExportFormat, toAlpaca, toOpenAiChat, toShareGpt } from "./export-formats.js";

const record: SynthRecord = {
  instruction: "In which year did the bridge open?",
  output: "The bridge opened in 1932.",
  article_index: 4,
  level: "micro",
  features: ["1932"],
  resynthesized: false,
  rounds: 0,
  source_id: "bridges.jsonl:5",
};

describe("export formats", () => {
  it("converts to Alpaca with an empty input", () => {
    expect(toAlpaca(record)).toEqual({
      instruction: "In which year did the bridge open?",
      input: "",
      output: "The bridge opened in 1932.",
    });
  });

  it("converts to ShareGPT conversations", () => {
    expect(toShareGpt(record)).toEqual({
      conversations: [
        { from: "human", value: "In which year did the bridge open?" },
        { from: "gpt", value: "The bridge opened in 1932." },
      ],
    });
  });

  it("converts to OpenAI chat messages", () => {
    expect(toOpenAiChat(record)).toEqual({
      messages: [
        { role: "user", content: "In which year did the bridge open?" },
        { role: "assistant", content: "The bridge opened in 1932." },
      ],
    });
  });

  it("dispatches by format name, jsonl being the record itself", () => {
    expect(EXPORT_FORMATS).toEqual(["jsonl", "alpaca", "sharegpt", "openai-chat"]);
    expect(convertRecord("jsonl", record)).toBe(record);
    expect(convertRecord("alpaca", record)).toEqual(toAlpaca(record));
    expect(convertRecord("sharegpt", record)).toEqual(toShareGpt(record));
    expect(convertRecord("openai-chat", record)).toEqual(toOpenAiChat(record));
    for (const format of EXPORT_FORMATS) expect(JSON.parse(JSON.stringify(convertRecord(format, record)))).toBeTruthy();
  });

  it("recognises format names", () => {
    expect(isExportFormat("sharegpt")).toBe(true);
    expect(isExportFormat("csv")).toBe(false);
  });
});
