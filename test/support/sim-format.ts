/**
 * How the simulated model writes a reply down: bare JSON, JSON in code fences or between prose,
 * a numbered list or plain prose; and the broken forms (wrong shape, cut off). Pure functions.
 */
import type { SimRandom } from "./sim-hash.js";
import type { ContentReply } from "./sim-content.js";
import { LIST_STEPS, listLimit, type ChatRequest } from "./sim-request.js";

export type Wrapping = "json" | "fence" | "prose" | "fenceProse" | "list" | "plain";

/** The key holding a list step's items. */
const LIST_KEYS: Record<string, string> = {
  micro_elements: "elements",
  scatter_keywords: "keywords",
  macro_sentences: "sentences",
  micro_instructions: "instructions",
  scatter_instructions: "instructions",
  macro_instructions: "instructions",
};

/**
 * How to write the reply. A server that honours JSON mode writes bare JSON unless a quirk says
 * otherwise; one that ignores `response_format` never writes bare JSON: it rotates among fenced
 * JSON, JSON between prose and, where the step can be read without JSON, a list or plain prose.
 */
export function chooseWrapping(
  request: ChatRequest,
  reply: ContentReply,
  quirks: { codeFence: boolean; prose: boolean; ignoreResponseFormat: boolean },
  random: SimRandom,
): Wrapping {
  if (reply.value === undefined) return "plain";
  if (quirks.ignoreResponseFormat) {
    const ways: Wrapping[] = ["fence", "prose"];
    if (LIST_STEPS.has(request.step)) ways.push("list");
    if (reply.plain !== undefined) ways.push("plain");
    return ways[random.below(ways.length)]!;
  }
  if (quirks.codeFence && quirks.prose) return "fenceProse";
  if (quirks.codeFence) return "fence";
  if (quirks.prose) return "prose";
  return "json";
}

const BEFORE = ["Here is the JSON you asked for:", "Sure! This is my reply.", "Below is the result, as requested."];
const AFTER = ["Let me know if you need anything else.", "I hope this helps.", "Each entry follows the document closely."];

export function render(request: ChatRequest, reply: ContentReply, wrapping: Wrapping, random: SimRandom): string {
  const json = JSON.stringify(reply.value);
  const before = BEFORE[random.below(BEFORE.length)]!;
  const after = AFTER[random.below(AFTER.length)]!;
  switch (wrapping) {
    case "json":
      return json;
    case "fence":
      return "```json\n" + JSON.stringify(reply.value, null, 2) + "\n```";
    case "prose":
      return `${before}\n${json}\n${after}`;
    case "fenceProse":
      return `${before}\n\n\`\`\`json\n${JSON.stringify(reply.value, null, 2)}\n\`\`\`\n\n${after}`;
    case "list": {
      const items = (reply.value as Record<string, unknown>)[LIST_KEYS[request.step] ?? ""];
      const lines = (Array.isArray(items) ? items : []).map((item, i) => `${i + 1}. ${String(item).replace(/\s*\n\s*/g, " ").trim()}`);
      return `${before}\n\n${lines.join("\n")}`;
    }
    case "plain":
      return reply.plain ?? json;
  }
}

/** A valid JSON value of the wrong shape or the wrong length for the step. */
export function invalidValue(request: ChatRequest, value: unknown, random: SimRandom): unknown {
  const wrongShape = random.chance(0.5);
  const v = (value ?? {}) as Record<string, unknown>;
  const listKey = LIST_KEYS[request.step];
  if (listKey !== undefined) {
    const items = Array.isArray(v[listKey]) ? (v[listKey] as unknown[]) : [];
    if (wrongShape) return { result: items };
    if (listKey === "instructions") {
      return { instructions: items.length > 0 ? items.slice(0, -1) : ["What is this about?", "And why?"] };
    }
    const limit = listLimit(request, listKey);
    const padded = Array.from({ length: limit + 1 }, (_, i) => items[i % Math.max(1, items.length)] ?? `item ${i + 1}`);
    return { [listKey]: padded };
  }
  switch (request.step) {
    case "scatter_importance":
      return wrongShape ? { important: v.core } : { core: [...((v.core as unknown[]) ?? []), "extra"], major: v.major };
    case "answer":
      return wrongShape ? { answer: v.answer } : { answerable: "yes", answer: v.answer };
    case "resynthesis":
      return wrongShape ? { instructions: [v.instruction] } : { instruction: "" };
    case "self_qa":
      return wrongShape ? { qa: v.pairs } : { pairs: [] };
    default:
      return { unexpected: true };
  }
}

/** The text cut off somewhere between a fifth and four fifths of its length (never whole). */
export function truncateText(text: string, random: SimRandom): string {
  const chars = [...text];
  if (chars.length < 2) return "";
  const cut = Math.max(1, Math.min(chars.length - 1, Math.floor(chars.length * (0.2 + 0.6 * random.next()))));
  return chars.slice(0, cut).join("");
}
