/**
 * Converters from a dataset record to the formats that fine-tuning tools read. Pure: one record in,
 * one JSON-ready object out; the writer puts one per line. Each shape is the one its tool documents
 * (the tests hold each tool's documented example and its address).
 */
import { ConfigError } from "../errors.js";
import type { SynthRecord } from "../method/record.js";

export const EXPORT_FORMATS = [
  "jsonl",
  "alpaca",
  "sharegpt",
  "openai-chat",
  "openai",
  "trl-prompt-completion",
  "trl-messages",
  "llama-factory-alpaca",
  "llama-factory-sharegpt",
  "axolotl",
] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export function isExportFormat(value: string): value is ExportFormat {
  return (EXPORT_FORMATS as readonly string[]).includes(value);
}

/**
 * The formats with a place for a system message. Plain Alpaca and ShareGPT have none (the tools
 * that read them differ on where one would go), nor has the record itself.
 */
export const SYSTEM_FORMATS = [
  "openai-chat",
  "openai",
  "trl-prompt-completion",
  "trl-messages",
  "llama-factory-alpaca",
  "llama-factory-sharegpt",
  "axolotl",
] as const satisfies readonly ExportFormat[];

export function hasSystemMessage(format: ExportFormat): boolean {
  return (SYSTEM_FORMATS as readonly string[]).includes(format);
}

/** Refuses, in one line, a system message the format has no place for, or one that is empty. */
export function checkSystemPrompt(format: ExportFormat, system: string | undefined): void {
  if (system === undefined) return;
  if (system.trim() === "") throw new ConfigError("--system is empty: give the system message's text, or leave the flag out");
  if (!hasSystemMessage(format)) {
    throw new ConfigError(`--system: the ${format} format has no system message; use one of ${SYSTEM_FORMATS.join(", ")}`);
  }
}

/** Alpaca (Stanford Alpaca): the instruction carries everything. */
export interface AlpacaRecord {
  instruction: string;
  input: string;
  output: string;
}

/** ShareGPT: one human turn, one model turn. */
export interface ShareGptRecord {
  conversations: [{ from: "human"; value: string }, { from: "gpt"; value: string }];
}

export interface ChatMessage<Role extends string = "system" | "user" | "assistant"> {
  role: Role;
  content: string;
}

/**
 * Chat messages, the system message first when there is one: OpenAI fine-tuning's chat format,
 * TRL's conversational language-modeling format, and Axolotl's chat_template type.
 */
export interface OpenAiChatRecord {
  messages: ChatMessage[];
}

/**
 * TRL's conversational prompt-completion: the prompt's messages (system and user) and the
 * completion's (the assistant's). Conversational rather than plain strings, so that the trainer
 * applies the model's chat template, and the loss falls on the completion only.
 */
export interface TrlPromptCompletionRecord {
  prompt: ChatMessage<"system" | "user">[];
  completion: [ChatMessage<"assistant">];
}

/** LLaMA-Factory's alpaca format: Alpaca with its optional `system` column. */
export interface LlamaFactoryAlpacaRecord extends AlpacaRecord {
  system?: string;
}

/** LLaMA-Factory's sharegpt format: ShareGPT with its optional `system` column. */
export interface LlamaFactoryShareGptRecord extends ShareGptRecord {
  system?: string;
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

const systemMessage = (system: string | undefined): ChatMessage<"system">[] => (system === undefined ? [] : [{ role: "system", content: system }]);

export function toOpenAiChat(record: SynthRecord, system?: string): OpenAiChatRecord {
  return {
    messages: [...systemMessage(system), { role: "user", content: record.instruction }, { role: "assistant", content: record.output }],
  };
}

export function toTrlPromptCompletion(record: SynthRecord, system?: string): TrlPromptCompletionRecord {
  return {
    prompt: [...systemMessage(system), { role: "user", content: record.instruction }],
    completion: [{ role: "assistant", content: record.output }],
  };
}

export function toLlamaFactoryAlpaca(record: SynthRecord, system?: string): LlamaFactoryAlpacaRecord {
  return { ...toAlpaca(record), ...(system === undefined ? {} : { system }) };
}

export function toLlamaFactoryShareGpt(record: SynthRecord, system?: string): LlamaFactoryShareGptRecord {
  return { ...toShareGpt(record), ...(system === undefined ? {} : { system }) };
}

/** The record type each format writes. */
export interface FormatRecords {
  jsonl: SynthRecord;
  alpaca: AlpacaRecord;
  sharegpt: ShareGptRecord;
  "openai-chat": OpenAiChatRecord;
  openai: OpenAiChatRecord;
  "trl-prompt-completion": TrlPromptCompletionRecord;
  "trl-messages": OpenAiChatRecord;
  "llama-factory-alpaca": LlamaFactoryAlpacaRecord;
  "llama-factory-sharegpt": LlamaFactoryShareGptRecord;
  axolotl: OpenAiChatRecord;
}

const CONVERTERS: { [F in ExportFormat]: (record: SynthRecord, system?: string) => FormatRecords[F] } = {
  jsonl: (record) => record,
  alpaca: toAlpaca,
  sharegpt: toShareGpt,
  "openai-chat": toOpenAiChat,
  openai: toOpenAiChat,
  "trl-prompt-completion": toTrlPromptCompletion,
  "trl-messages": toOpenAiChat,
  "llama-factory-alpaca": toLlamaFactoryAlpaca,
  "llama-factory-sharegpt": toLlamaFactoryShareGpt,
  axolotl: toOpenAiChat,
};

/**
 * The record in the given format, with the system message where the format has one; "jsonl" is
 * the record itself, provenance and all. A system message the format cannot hold is refused.
 */
export function convertRecord<F extends ExportFormat>(format: F, record: SynthRecord, system?: string): FormatRecords[F] {
  checkSystemPrompt(format, system);
  return CONVERTERS[format](record, system);
}
