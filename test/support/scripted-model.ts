import type { Completion, CompletionRequest, LanguageModel } from "../../src/llm/port.js";

/** A request as a script sees it: the step (schema name) and the tagged inputs of the task. */
export interface ScriptedCall {
  step: string;
  request: CompletionRequest;
  /** The first user message: document, then task. */
  prompt: string;
  /** JSON inside <tag>...</tag> of the prompt, or undefined. */
  tag(name: string): unknown;
  /** Whether this is a re-ask after an unusable reply. */
  reask: boolean;
}

/** A LanguageModel that answers from a script and records every call; for tests of the method. */
export class ScriptedModel implements LanguageModel {
  readonly description = 'scripted model "script"';
  readonly modelId = "script";
  readonly calls: ScriptedCall[] = [];

  constructor(
    private readonly script: (call: ScriptedCall) => unknown,
    private readonly usage = { promptTokens: 10, completionTokens: 5, cachedPromptTokens: 0 },
  ) {}

  async complete(request: CompletionRequest): Promise<Completion> {
    const prompt = request.messages.find((m) => m.role === "user")?.content ?? "";
    const call: ScriptedCall = {
      step: request.responseSchema?.name ?? "",
      request,
      prompt,
      reask: request.messages.length > 2,
      tag: (name) => {
        const m = new RegExp(`<${name}>\\n([\\s\\S]*?)\\n</${name}>`).exec(prompt);
        if (!m) return undefined;
        try {
          return JSON.parse(m[1]!);
        } catch {
          return m[1];
        }
      },
    };
    this.calls.push(call);
    await Promise.resolve();
    const reply = this.script(call);
    return {
      text: typeof reply === "string" ? reply : JSON.stringify(reply),
      usage: { ...this.usage },
      finishReason: "stop",
      attempts: 1,
    };
  }

  callsOf(step: string): ScriptedCall[] {
    return this.calls.filter((c) => c.step === step);
  }
}

/** The document of a prompt (between <document> tags). */
function documentOf(call: ScriptedCall): string {
  return /<document>\n([\s\S]*?)\n<\/document>/.exec(call.prompt)?.[1] ?? "";
}

/** Words the happy instructions are made of, never taken as features, so no instruction contains its own element. */
const TEMPLATE_WORDS = new Set(["which", "word", "is", "spelled", "reworded"]);

/**
 * Distinct words of the document (case aside) that are what happy features are: those of four
 * characters or more in order, then the shorter ones of two or three.
 */
function documentWords(call: ScriptedCall): string[] {
  const distinct = [...new Map((documentOf(call).match(/[\p{L}\p{N}]{2,}/gu) ?? []).map((w) => [w.toLowerCase(), w] as const)).entries()]
    .filter(([key]) => !TEMPLATE_WORDS.has(key))
    .map(([, word]) => word);
  return [...distinct.filter((w) => w.length >= 4), ...distinct.filter((w) => w.length < 4)];
}

/**
 * An element written with its characters apart ("b-r-i-d-g-e", a space as "_"): how a happy micro
 * instruction asks for its element without containing it.
 */
export const spelled = (element: string): string => [...element.replace(/ /g, "_")].join("-");
const unspelled = (text: string): string | undefined =>
  /spelled ((?:[^\s?]-)*[^\s?])/.exec(text)?.[1]?.replace(/-/g, "").replace(/_/g, " ");

/** Replies that make every step succeed and keep every rule; scripts override the steps they test. */
export function happyReply(call: ScriptedCall): unknown {
  const items = (call.tag("items") ?? []) as unknown[];
  const max = (call.request.responseSchema?.schema as any)?.properties;
  const countOf = (key: string) => max?.[key]?.maxItems ?? 3;
  switch (call.step) {
    case "micro_elements":
      return { elements: documentWords(call).slice(0, countOf("elements")) };
    case "scatter_keywords": {
      const words = documentWords(call);
      const pairs = words.slice(1).map((word, i) => `${words[i]} ${word}`);
      return { keywords: [...words, ...pairs].filter((k) => documentOf(call).includes(k)).slice(0, countOf("keywords")) };
    }
    case "macro_sentences": {
      const document = documentOf(call);
      const taken = new Set([...((call.tag("exclude") as string[] | undefined) ?? [])]);
      const sentences = document.split(/(?<=[.!?])\s+/).filter((s) => s.length > 0 && !taken.has(s));
      return { sentences: sentences.slice(0, countOf("sentences")) };
    }
    case "micro_instructions":
      return { instructions: items.map((item) => `Which word is spelled ${spelled(String(item))}?`) };
    case "macro_instructions":
      return { instructions: items.map((_, i) => `What is the significance of statement number ${i + 1}?`) };
    case "scatter_instructions":
      return { instructions: items.map((group) => `How do ${(group as string[]).join(" and ")} connect?`) };
    case "scatter_importance": {
      const p = max as any;
      return { core: items.slice(0, p.core.minItems), major: items.slice(p.core.minItems, p.core.minItems + p.major.minItems) };
    }
    case "answer": {
      const instruction = String(call.tag("instruction"));
      const element = unspelled(instruction);
      return { answerable: true, answer: `An answer to: ${instruction}${element ? ` It is ${element}.` : ""}` };
    }
    case "resynthesis": {
      const feature = call.tag("feature");
      if (Array.isArray(feature)) return { instruction: `Reworded: ${feature.join(" and ")}?` };
      if (call.prompt.includes("for the element below")) return { instruction: `Reworded: which word is spelled ${spelled(String(feature))}?` };
      return { instruction: "Reworded: what is the significance of that statement?" };
    }
    case "self_qa":
      return { pairs: [{ instruction: "Q?", output: "A." }] };
    default:
      throw new Error(`unscripted step ${call.step}`);
  }
}
