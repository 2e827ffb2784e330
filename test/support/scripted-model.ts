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

/** Replies that make every step succeed; scripts override the steps they test. */
export function happyReply(call: ScriptedCall): unknown {
  const items = (call.tag("items") ?? []) as unknown[];
  const max = (call.request.responseSchema?.schema as any)?.properties;
  const countOf = (key: string) => max?.[key]?.maxItems ?? 3;
  switch (call.step) {
    case "micro_elements":
      return { elements: Array.from({ length: countOf("elements") }, (_, i) => `element ${i}`) };
    case "scatter_keywords":
      return { keywords: Array.from({ length: countOf("keywords") }, (_, i) => `keyword${i}`) };
    case "macro_sentences": {
      const document = /<document>\n([\s\S]*?)\n<\/document>/.exec(call.prompt)?.[1] ?? "";
      const taken = new Set([...((call.tag("exclude") as string[] | undefined) ?? [])]);
      const sentences = document.split(/(?<=[.!?])\s+/).filter((s) => s.length > 0 && !taken.has(s));
      return { sentences: sentences.slice(0, countOf("sentences")) };
    }
    case "micro_instructions":
    case "macro_instructions":
      return { instructions: items.map((item) => `What about ${JSON.stringify(item)}?`) };
    case "scatter_instructions":
      return { instructions: items.map((group) => `How do ${(group as string[]).join(" and ")} connect?`) };
    case "scatter_importance": {
      const p = max as any;
      return { core: items.slice(0, p.core.minItems), major: items.slice(p.core.minItems, p.core.minItems + p.major.minItems) };
    }
    case "answer":
      return { answerable: true, answer: `An answer to: ${String(call.tag("instruction"))}` };
    case "resynthesis": {
      const feature = call.tag("feature");
      return { instruction: `Reworded: ${Array.isArray(feature) ? feature.join(" and ") : String(feature)}?` };
    }
    case "self_qa":
      return { pairs: [{ instruction: "Q?", output: "A." }] };
    default:
      throw new Error(`unscripted step ${call.step}`);
  }
}
