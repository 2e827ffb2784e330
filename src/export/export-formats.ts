/**
 * Converters from a dataset record to the formats that fine-tuning tools read. Pure: one record in,
 * one JSON-ready object out; the writer puts one per line.
 */
import type { SynthRecord } from "../method/record.js";

export const EXPORT_FORMATS = ["jsonl", "alpaca", "sharegpt", "openai-chat"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export function isExportFormat(value: string): value is ExportFormat {
  return (EXPORT_FORMATS as readonly string[]).includes(value);
}

/** Alpaca (Stanford Alpaca, LLaMA-Factory, Axolotl "alpaca"): the instruction carries everything. */
export interface AlpacaRecord {
  instruction: string;
  input: string;
  output: string;
}

/** ShareGPT (LLaMA-Factory, Axolotl "sharegpt"): one human turn, one model turn. */
export interface ShareGptRecord {
  conversations: [{ from: "human"; value: string }, { from: "gpt"; value: string }];
}

/** OpenAI chat fine-tuning (also TRL's conversational format): user and assistant messages. */
export interface OpenAiChatRecord {
  messages: [{ role: "user"; content: string }, { role: "assistant"; content: string }];
}

export function toAlpaca(record: SynthRecord): AlpacaRecord {
  return { instruction: record.instruction, input: "", output: record.output };
}

export function toShareGpt(record: SynthRecord): ShareGptRecord {
  return {
    conversations: [
      { from: "human", value: record.instruction },
      { from: "gpt", value: record.output },
    ],
  };
}

export function toOpenAiChat(record: SynthRecord): OpenAiChatRecord {
  return {
    messages: [
      { role: "user", content: record.instruction },
      { role: "assistant", content: record.output },
    ],
  };
}

/** The record in the given format; "jsonl" is the record itself, provenance and all. */
export function convertRecord(format: "jsonl", record: SynthRecord): SynthRecord;
export function convertRecord(format: "alpaca", record: SynthRecord): AlpacaRecord;
export function convertRecord(format: "sharegpt", record: SynthRecord): ShareGptRecord;
export function convertRecord(format: "openai-chat", record: SynthRecord): OpenAiChatRecord;
export function convertRecord(format: ExportFormat, record: SynthRecord): SynthRecord | AlpacaRecord | ShareGptRecord | OpenAiChatRecord;
export function convertRecord(format: ExportFormat, record: SynthRecord): SynthRecord | AlpacaRecord | ShareGptRecord | OpenAiChatRecord {
  switch (format) {
    case "jsonl":
      return record;
    case "alpaca":
      return toAlpaca(record);
    case "sharegpt":
      return toShareGpt(record);
    case "openai-chat":
      return toOpenAiChat(record);
  }
}
