import { describe, expect, it } from "vitest";
import { ConfigError } from "../errors.js";
import type { SynthRecord } from "../method/record.js";
import {
  checkSystemPrompt,
  convertRecord,
  EXPORT_FORMATS,
  hasSystemMessage,
  isExportFormat,
  SYSTEM_FORMATS,
  toAlpaca,
  toOpenAiChat,
  toShareGpt,
  type ExportFormat,
} from "./export-formats.js";

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
const SYSTEM = "You answer questions about bridges.";

/**
 * The shape of a value as a tree of key sets and types, so that two values compare by shape:
 * the same keys, in the same nesting, with the same types (strings stay strings, not their text).
 * Arrays keep their length and order; a value under "role" or "from" is kept, being the shape.
 */
function shape(value: unknown, key?: string): unknown {
  if (Array.isArray(value)) return value.map((v) => shape(v));
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).sort(([a], [b]) => a.localeCompare(b));
    return Object.fromEntries(entries.map(([k, v]) => [k, shape(v, k)]));
  }
  if (key === "role" || key === "from") return value;
  return typeof value;
}

/** Each tool's documented example, written in our words, with and without its system message. */
const DOCUMENTED: Record<Exclude<ExportFormat, "jsonl">, { plain: unknown; withSystem?: unknown }> = {
  // Stanford Alpaca's data format: https://github.com/tatsu-lab/stanford_alpaca#data-release
  alpaca: { plain: { instruction: "Name a river.", input: "", output: "The Nile." } },
  // ShareGPT as LLaMA-Factory documents it (no system column in plain ShareGPT).
  sharegpt: {
    plain: { conversations: [{ from: "human", value: "Name a river." }, { from: "gpt", value: "The Nile." }] },
  },
  // OpenAI fine-tuning, chat format: https://platform.openai.com/docs/guides/supervised-fine-tuning
  // (formerly https://platform.openai.com/docs/guides/fine-tuning#preparing-your-dataset)
  "openai-chat": {
    plain: { messages: [{ role: "user", content: "Name a river." }, { role: "assistant", content: "The Nile." }] },
    withSystem: {
      messages: [
        { role: "system", content: "You are a geographer." },
        { role: "user", content: "Name a river." },
        { role: "assistant", content: "The Nile." },
      ],
    },
  },
  openai: {
    plain: { messages: [{ role: "user", content: "Name a river." }, { role: "assistant", content: "The Nile." }] },
    withSystem: {
      messages: [
        { role: "system", content: "You are a geographer." },
        { role: "user", content: "Name a river." },
        { role: "assistant", content: "The Nile." },
      ],
    },
  },
  // TRL, conversational prompt-completion: https://huggingface.co/docs/trl/dataset_formats
  "trl-prompt-completion": {
    plain: { prompt: [{ role: "user", content: "Name a river." }], completion: [{ role: "assistant", content: "The Nile." }] },
    withSystem: {
      prompt: [
        { role: "system", content: "You are a geographer." },
        { role: "user", content: "Name a river." },
      ],
      completion: [{ role: "assistant", content: "The Nile." }],
    },
  },
  // TRL, conversational language modeling ("messages"): https://huggingface.co/docs/trl/dataset_formats
  "trl-messages": {
    plain: { messages: [{ role: "user", content: "Name a river." }, { role: "assistant", content: "The Nile." }] },
    withSystem: {
      messages: [
        { role: "system", content: "You are a geographer." },
        { role: "user", content: "Name a river." },
        { role: "assistant", content: "The Nile." },
      ],
    },
  },
  // LLaMA-Factory, alpaca format with its system column: https://github.com/hiyouga/LLaMA-Factory/blob/main/data/README.md
  "llama-factory-alpaca": {
    plain: { instruction: "Name a river.", input: "", output: "The Nile." },
    withSystem: { instruction: "Name a river.", input: "", output: "The Nile.", system: "You are a geographer." },
  },
  // LLaMA-Factory, sharegpt format with its system column: https://github.com/hiyouga/LLaMA-Factory/blob/main/data/README.md
  "llama-factory-sharegpt": {
    plain: { conversations: [{ from: "human", value: "Name a river." }, { from: "gpt", value: "The Nile." }] },
    withSystem: {
      conversations: [
        { from: "human", value: "Name a river." },
        { from: "gpt", value: "The Nile." },
      ],
      system: "You are a geographer.",
    },
  },
  // Axolotl, type chat_template on OpenAI messages: https://docs.axolotl.ai/docs/dataset-formats/conversation.html#chat_template
  axolotl: {
    plain: { messages: [{ role: "user", content: "Name a river." }, { role: "assistant", content: "The Nile." }] },
    withSystem: {
      messages: [
        { role: "system", content: "You are a geographer." },
        { role: "user", content: "Name a river." },
        { role: "assistant", content: "The Nile." },
      ],
    },
  },
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

  for (const [format, documented] of Object.entries(DOCUMENTED) as Array<[Exclude<ExportFormat, "jsonl">, (typeof DOCUMENTED)[keyof typeof DOCUMENTED]]>) {
    it(`${format}: the keys and types of the tool's documented example`, () => {
      const plain = convertRecord(format, record);
      expect(shape(plain)).toEqual(shape(documented.plain));
      if (documented.withSystem === undefined) {
        expect(hasSystemMessage(format)).toBe(false);
        expect(() => convertRecord(format, record, SYSTEM)).toThrow(ConfigError);
        return;
      }
      const withSystem = convertRecord(format, record, SYSTEM);
      expect(shape(withSystem)).toEqual(shape(documented.withSystem));
      // The system message is the one asked for, and the rest is the record.
      const text = JSON.stringify(withSystem);
      expect(text).toContain(JSON.stringify(SYSTEM));
      expect(text).toContain(JSON.stringify(record.instruction));
      expect(text).toContain(JSON.stringify(record.output));
    });
  }

  it("covers every format but jsonl with a documented example, and jsonl is the record itself", () => {
    expect(Object.keys(DOCUMENTED).sort()).toEqual(EXPORT_FORMATS.filter((f) => f !== "jsonl").sort());
    expect(convertRecord("jsonl", record)).toBe(record);
    expect(convertRecord("openai", record, SYSTEM)).toEqual(convertRecord("openai-chat", record, SYSTEM));
  });

  it("puts the system message first, and only where asked", () => {
    expect(convertRecord("openai", record, SYSTEM).messages[0]).toEqual({ role: "system", content: SYSTEM });
    expect(convertRecord("trl-prompt-completion", record, SYSTEM).prompt[0]).toEqual({ role: "system", content: SYSTEM });
    expect(convertRecord("llama-factory-alpaca", record, SYSTEM).system).toBe(SYSTEM);
    expect("system" in convertRecord("llama-factory-alpaca", record)).toBe(false);
    expect("system" in convertRecord("llama-factory-sharegpt", record)).toBe(false);
  });

  it("refuses a system message the format has no place for, or an empty one, in one line naming --system", () => {
    for (const format of ["jsonl", "alpaca", "sharegpt"] as const) {
      expect(() => checkSystemPrompt(format, SYSTEM)).toThrow(new ConfigError(`--system: the ${format} format has no system message; use one of ${SYSTEM_FORMATS.join(", ")}`));
    }
    expect(() => checkSystemPrompt("openai", " ")).toThrow(/^--system is empty/);
    expect(() => checkSystemPrompt("jsonl", undefined)).not.toThrow();
    for (const format of SYSTEM_FORMATS) expect(() => checkSystemPrompt(format, SYSTEM)).not.toThrow();
  });

  it("recognises format names", () => {
    expect(isExportFormat("sharegpt")).toBe(true);
    expect(isExportFormat("trl-messages")).toBe(true);
    expect(isExportFormat("csv")).toBe(false);
  });
});
