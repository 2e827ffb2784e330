/**
 * What the simulated model says to each step of the method, as JSON values derived from the
 * document and a seeded generator keyed by the request's content. Pure functions: the server
 * supplies the one piece of state they need (which instructions it wrote during re-synthesis).
 */
import { hashOf, randomFrom, type SimRandom } from "./sim-hash.js";
import { importanceCounts, listLimit, tagJson, tagStrings, tagText, type ChatRequest, type Step } from "./sim-request.js";
import {
  canonicalQuote,
  contentWords,
  elementCandidates,
  isChinese,
  isStopword,
  keywordCandidates,
  matchTerms,
  pickDistinct,
  sameText,
  splitSentences,
  tokenize,
  topicOf,
  type Sentence,
} from "./sim-text.js";
import {
  answerableDenial,
  englishAnswer,
  englishInstruction,
  fabricatedElement,
  fabricatedKeyword,
  instructionQuotingSentence,
  instructionWithAnswer,
  partWordKeyword,
  spoils,
  withPassageReference,
  type Spoil,
  type SpoilKind,
  type SpoilRates,
} from "./sim-spoil.js";

/** The options that shape what the simulated model says (rates are probabilities in [0, 1]). */
export interface ContentOptions extends SpoilRates {
  /** Share of quoted sentences given with changed white space or quote marks. */
  rateQuoteVariation: number;
  /** Share of quoted sentences replaced by a sentence that is not in the document. */
  rateFabricatedSentence: number;
  /** Share of scatter instructions that leave one keyword of their group out. */
  rateMissingKeyword: number;
  /** Share of instructions (not written in re-synthesis) answered as unanswerable. */
  unanswerableRate: number;
  /** Share of instructions written in re-synthesis answered as unanswerable. */
  resynthUnanswerableRate: number;
}

export interface ContentContext {
  options: ContentOptions;
  /** Whether the simulator wrote this instruction in a re-synthesis reply. */
  isResynthesized(instruction: string): boolean;
}

/** Content-level things the simulator did on purpose, counted in the server's statistics. */
export type ContentEvent = "quoteVariation" | "fabricatedSentence" | "unanswerable" | SpoilKind;

export interface ContentReply {
  /** The JSON value of the reply; undefined when the step is unknown (the reply is plain text). */
  value: unknown;
  /** The reply as plain text, for steps a server without JSON answers in prose. */
  plain?: string;
  events: ContentEvent[];
  /** The instruction written, for a re-synthesis reply. */
  resynthesized?: string;
  /** Texts written to break a rule of the method on purpose. */
  spoiled?: Spoil[];
}

/** Everything a reply is worded from. */
interface Scene {
  document: string;
  zh: boolean;
  topic: string;
  sentences: Sentence[];
  random: SimRandom;
  /** A hash of the request, which decides the misbehaviours (see sim-spoil). */
  key: string;
  options: ContentOptions;
  /** Misbehaviours of this reply, collected as it is built. */
  spoiled: Spoil[];
}

export function replyContent(request: ChatRequest, context: ContentContext): ContentReply {
  const { document } = request;
  const scene: Scene = {
    document,
    zh: isChinese(document),
    topic: topicOf(document),
    sentences: splitSentences(document),
    random: randomFrom("content", request.model, JSON.stringify(request.messages)),
    key: hashOf("spoil", request.model, JSON.stringify(request.messages)),
    options: context.options,
    spoiled: [],
  };
  const build = STEP_REPLIES[request.step as Step] ?? unknownReply;
  const reply = build(request, scene, context);
  if (scene.spoiled.length === 0) return reply;
  return { ...reply, events: [...reply.events, ...scene.spoiled.map((s) => s.kind)], spoiled: scene.spoiled };
}

const RATE_OF: Record<Exclude<SpoilKind, "missingKeyword">, keyof SpoilRates> = {
  answerInInstruction: "rateAnswerInInstruction",
  sentenceInInstruction: "rateSentenceInInstruction",
  passageReference: "ratePassageReference",
  answerableDenial: "rateAnswerableDenial",
  wrongLanguage: "rateWrongLanguage",
  fabricatedKeyword: "rateFabricatedKeyword",
  partWordKeyword: "ratePartWordKeyword",
  fabricatedElement: "rateFabricatedElement",
};

/** Whether item `item` of this reply gets misbehaviour `kind`. */
const spoilHere = (scene: Scene, kind: keyof typeof RATE_OF, item: number | string) => spoils(scene.options[RATE_OF[kind]], kind, scene.key, item);

/** Draw in [0, 1) for the wording of a misbehaviour. */
const wordingDraw = (scene: Scene, kind: SpoilKind, item: number | string) => parseInt(hashOf("wording", kind, scene.key, item).slice(0, 8), 16) / 2 ** 32;

/** Note a text written to break a rule; returns it. */
function spoil(scene: Scene, kind: SpoilKind, field: Spoil["field"], text: string): string {
  scene.spoiled.push({ kind, field, text });
  return text;
}

/**
 * The misbehaviours any instruction may get, whatever its level: written in English for a
 * Chinese document, and a reference to "the passage".
 */
function spoilInstruction(scene: Scene, instruction: string, level: "micro" | "scatter" | "macro", features: readonly string[], item: number | string): string {
  let text = instruction;
  let zh = scene.zh;
  if (scene.zh && spoilHere(scene, "wrongLanguage", item)) {
    text = spoil(scene, "wrongLanguage", "instruction", englishInstruction(level, features, wordingDraw(scene, "wrongLanguage", item)));
    zh = false;
  }
  if (spoilHere(scene, "passageReference", item)) {
    text = spoil(scene, "passageReference", "instruction", withPassageReference(text, zh, wordingDraw(scene, "passageReference", item)));
  }
  return text;
}

/** A micro instruction that gives its own element away, at rateAnswerInInstruction. */
function spoilMicro(scene: Scene, element: string, instruction: string, item: number): string {
  if (element.trim().length === 0 || !spoilHere(scene, "answerInInstruction", item)) return instruction;
  const topic = safeTopic(scene, element);
  return spoil(scene, "answerInInstruction", "instruction", instructionWithAnswer(element.trim(), topic, scene.zh, wordingDraw(scene, "answerInInstruction", item)));
}

/** A macro instruction that quotes its sentence whole, at rateSentenceInInstruction. */
function spoilMacro(scene: Scene, sentence: string, instruction: string, item: number): string {
  if (sentence.trim().length === 0 || !spoilHere(scene, "sentenceInInstruction", item)) return instruction;
  return spoil(scene, "sentenceInInstruction", "instruction", instructionQuotingSentence(sentence, scene.zh, wordingDraw(scene, "sentenceInInstruction", item)));
}

/**
 * The misbehaviours of an answer marked answerable: one that says the document does not say, one
 * in English for a Chinese document, one that refers to "the passage".
 */
function spoilAnswer(scene: Scene, answer: string): string {
  if (spoilHere(scene, "answerableDenial", "answer")) {
    return spoil(scene, "answerableDenial", "answer", answerableDenial(scene.topic, scene.zh, wordingDraw(scene, "answerableDenial", "answer")));
  }
  let text = answer;
  let zh = scene.zh;
  if (scene.zh && spoilHere(scene, "wrongLanguage", "answer")) {
    text = spoil(scene, "wrongLanguage", "answer", englishAnswer(answer));
    zh = false;
  }
  if (spoilHere(scene, "passageReference", "answer")) {
    text = spoil(scene, "passageReference", "answer", withPassageReference(text, zh, wordingDraw(scene, "passageReference", "answer")));
  }
  return text;
}

type StepReply = (request: ChatRequest, scene: Scene, context: ContentContext) => ContentReply;

/** Mean words per instruction of a set given as JSON in a tag. */
function meanWords(task: string, tag: string): number {
  const set = tagStrings(task, tag);
  return set.length === 0 ? 0 : set.reduce((n, s) => n + s.split(/\s+/).filter(Boolean).length, 0) / set.length;
}

/** Lowercased words without punctuation, for the simulated QA judge. */
const plainWords = (text: string) => text.toLowerCase().replace(/[^\p{L}\p{N}\s]/gu, " ").split(/\s+/).filter(Boolean);

/** What an answer's grounding is checked by: its content words, or its Han characters in Chinese. */
function groundTerms(text: string): string[] {
  if (isChinese(text)) return [...text].filter((c) => /\p{Script=Han}/u.test(c));
  return plainWords(text).filter((w) => w.length >= 4 && !isStopword(w));
}

/** 1 to 10 by the share of the answer's terms found in the passage, and the terms it lacks. */
function simGroundedness(answer: string, passage: string): { groundedness: number; missing: string[] } {
  const terms = [...new Set(groundTerms(answer))];
  if (terms.length === 0) return { groundedness: 5, missing: [] };
  const present = new Set(groundTerms(passage));
  const missing = terms.filter((t) => !present.has(t));
  return { groundedness: 1 + Math.round((9 * (terms.length - missing.length)) / terms.length), missing };
}

/** What makes a pair poor training data, as the simulated judge sees it. */
function usefulnessFlaws(instruction: string, answer: string): string[] {
  const flaws: string[] = [];
  if (/\b(?:the|this) (?:passage|text|document|article)\b|(?:文中|本文|原文)/i.test(`${instruction} ${answer}`)) flaws.push("it leans on the passage");
  if (/\b(?:does not|doesn't|do not) (?:say|mention|state)\b|\bnot (?:mentioned|stated)\b|未提及|没有提到/i.test(answer)) flaws.push("the answer refuses");
  if (plainWords(answer).length < 3 && !isChinese(answer)) flaws.push("the answer is too short");
  return flaws;
}

const STEP_REPLIES: Record<Step, StepReply> = {
  // The simulated judge calls the set with longer instructions harder: a stand-in for judgement
  // that tests can predict.
  difficulty_verdict: (request) => {
    const first = meanWords(request.task, "set_1");
    const second = meanWords(request.task, "set_2");
    // A judge told there are no ties (eval --paper) picks the longer set, the first when even.
    const ties = request.task.includes('"tie"');
    const harder = ties && Math.abs(first - second) < 0.5 ? "tie" : first >= second ? "1" : "2";
    return { value: { reason: `set 1 averages ${first.toFixed(1)} words, set 2 ${second.toFixed(1)}`, harder }, events: [] };
  },

  // An answer is correct when it contains every word of one of the references.
  qa_judgement: (request) => {
    const answer = new Set(plainWords(tagText(request.task, "answer") ?? ""));
    const references = (tagText(request.task, "reference") ?? "").split(" | ");
    const correct = references.some((r) => plainWords(r).length > 0 && plainWords(r).every((w) => answer.has(w)));
    const reason = correct ? "it states the reference" : "it does not state the reference";
    // The paper's style of judge (eval --paper) answers with the word Correct or Incorrect.
    if (request.task.includes('"verdict"')) return { value: { reason, verdict: correct ? "Correct" : "Incorrect" }, events: [] };
    return { value: { reason, correct }, events: [] };
  },

  // The item judge of curate: an answer is grounded as far as its words are the passage's, and
  // useful unless it is short, refuses, or leans on "the passage"; tests can plant items of each kind.
  curate_item_judgement: (request) => {
    const passage = tagText(request.task, "passage") ?? "";
    const instruction = tagText(request.task, "instruction") ?? "";
    const answer = tagText(request.task, "answer") ?? "";
    const { groundedness, missing } = simGroundedness(answer, passage);
    const flaws = usefulnessFlaws(instruction, answer);
    const usefulness = Math.max(1, 9 - 3 * flaws.length);
    const reason =
      [missing.length > 0 ? `the passage does not say ${missing.slice(0, 3).join(", ")}` : "", ...flaws].filter(Boolean).join("; ") ||
      "grounded in the passage and a clear task";
    return { value: { groundedness, usefulness, reason }, events: [] };
  },

  micro_elements: (request, scene) => {
    const exclude = tagStrings(request.task, "exclude");
    const limit = listLimit(request, "elements");
    const elements = pickDistinct(elementCandidates(scene.document), limit, exclude).map((p) => p.text);
    const spoiled = elements.map((e, i) => {
      if (!spoilHere(scene, "fabricatedElement", i)) return e;
      const made = fabricatedElement(scene.document, scene.zh, [...exclude, ...elements], wordingDraw(scene, "fabricatedElement", i));
      return made === undefined ? e : spoil(scene, "fabricatedElement", "feature", made);
    });
    return { value: { elements: orFallback(spoiled, scene) }, events: [] };
  },

  scatter_keywords: (request, scene) => {
    const exclude = tagStrings(request.task, "exclude");
    const limit = listLimit(request, "keywords");
    const keywords = keywordCandidates(scene.document, limit, exclude).map((p) => p.text);
    const spoiled = keywords.map((k, i) => {
      const taken = [...exclude, ...keywords];
      if (spoilHere(scene, "fabricatedKeyword", i)) {
        const made = fabricatedKeyword(scene.document, scene.zh, taken, wordingDraw(scene, "fabricatedKeyword", i));
        if (made !== undefined) return spoil(scene, "fabricatedKeyword", "feature", made);
      }
      if (!scene.zh && spoilHere(scene, "partWordKeyword", i)) {
        const piece = partWordKeyword(scene.document, taken, wordingDraw(scene, "partWordKeyword", i));
        if (piece !== undefined) return spoil(scene, "partWordKeyword", "feature", piece);
      }
      return k;
    });
    return { value: { keywords: orFallback(spoiled, scene) }, events: [] };
  },

  scatter_importance: (request) => {
    const items = tagStrings(request.task, "items");
    const { core, major } = importanceCounts(request);
    const at = (i: number) => items[i % Math.max(1, items.length)] ?? "keyword";
    return {
      value: {
        core: Array.from({ length: core }, (_, i) => at(i)),
        major: Array.from({ length: major }, (_, i) => at(core + i)),
      },
      events: [],
    };
  },

  macro_sentences: (request, scene, { options }) => {
    const taken = [...tagStrings(request.task, "exclude"), ...tagStrings(request.task, "rejected")].map(canonicalQuote);
    const limit = listLimit(request, "sentences");
    const chosen = rankSentences(scene)
      .filter((s) => !taken.includes(canonicalQuote(s.text)))
      .slice(0, limit)
      .sort((a, b) => a.start - b.start);
    const events: ContentEvent[] = [];
    const sentences = chosen.map((s) => {
      if (scene.random.chance(options.rateFabricatedSentence)) {
        const made = fabricatedSentence(scene, taken);
        if (made !== undefined) {
          events.push("fabricatedSentence");
          return made;
        }
      }
      if (scene.random.chance(options.rateQuoteVariation)) {
        events.push("quoteVariation");
        return varyQuote(s.text, scene.random);
      }
      return s.text;
    });
    return { value: { sentences: orFallback(sentences, scene) }, events };
  },

  micro_instructions: (request, scene) => {
    const offset = scene.random.below(MICRO_TEMPLATES.en.length);
    const instructions = tagStrings(request.task, "items").map((element, i) =>
      spoilInstruction(scene, spoilMicro(scene, element, microInstruction(scene, element, offset + i), i), "micro", [element], i),
    );
    return { value: { instructions }, events: [] };
  },

  macro_instructions: (request, scene) => {
    const offset = scene.random.below(MACRO_TEMPLATES.en.length);
    const instructions = tagStrings(request.task, "items").map((sentence, i) =>
      spoilInstruction(scene, spoilMacro(scene, sentence, macroInstruction(scene, sentence, offset + i), i), "macro", [sentence], i),
    );
    return { value: { instructions }, events: [] };
  },

  scatter_instructions: (request, scene, { options }) => {
    const items = tagJson(request.task, "items");
    const groups = Array.isArray(items) ? items.map((g) => (Array.isArray(g) ? g.map(String) : [String(g)])) : [];
    const events: ContentEvent[] = [];
    const instructions = groups.map((group, i) => {
      const variant = scene.random.below(12);
      if (scene.random.chance(options.rateMissingKeyword)) {
        const missing = instructionMissingKeyword(scene, group);
        if (missing !== undefined) {
          return spoilInstruction(scene, spoil(scene, "missingKeyword", "instruction", missing), "scatter", group, i);
        }
      }
      return spoilInstruction(scene, scatterInstruction(scene, group, variant), "scatter", group, i);
    });
    return { value: { instructions }, events };
  },

  answer: (request, scene, { options, isResynthesized }) => {
    const instruction = (tagText(request.task, "instruction") ?? "").trim();
    const rate = isResynthesized(instruction) ? options.resynthUnanswerableRate : options.unanswerableRate;
    if (scene.random.chance(rate)) {
      return { value: { answerable: false, answer: "" }, plain: "UNANSWERABLE", events: ["unanswerable"] };
    }
    const answer = spoilAnswer(scene, answerFrom(scene, instruction));
    return { value: { answerable: true, answer }, plain: answer, events: [] };
  },

  resynthesis: (request, scene) => {
    const level = /for the keyword group below/.test(request.task)
      ? "scatter"
      : /for the sentence below/.test(request.task)
        ? "macro"
        : "micro";
    const feature = tagJson(request.task, "feature");
    const avoid = tagText(request.task, "avoid") ?? "";
    const offset = scene.random.below(12);
    let instruction = "";
    for (let k = 0; k < 12; k++) {
      const variant = offset + k;
      instruction =
        level === "scatter"
          ? scatterInstruction(scene, Array.isArray(feature) ? feature.map(String) : [String(feature ?? scene.topic)], variant)
          : level === "macro"
            ? macroInstruction(scene, String(feature ?? scene.sentences[0]?.text ?? ""), variant)
            : microInstruction(scene, String(feature ?? ""), variant);
      if (!sameText(instruction, avoid)) break;
    }
    if (level === "micro") instruction = spoilMicro(scene, String(feature ?? ""), instruction, 0);
    if (level === "macro") instruction = spoilMacro(scene, String(feature ?? ""), instruction, 0);
    const features = level === "scatter" && Array.isArray(feature) ? feature.map(String) : [String(feature ?? "")];
    instruction = spoilInstruction(scene, instruction, level, features, 0);
    return { value: { instruction }, plain: `Instruction: ${instruction}`, events: [], resynthesized: instruction };
  },

  self_qa: (request, scene) => {
    const limit = listLimit(request, "pairs");
    const ranked = rankSentences(scene).slice(0, limit).sort((a, b) => a.start - b.start);
    const pairs = ranked.map((s, i) => {
      const element = elementCandidates(s.text)[0]?.text;
      const instruction =
        i % 2 === 0 && element !== undefined ? microInstruction(scene, element, i) : macroInstruction(scene, s.text, i);
      return { instruction, output: answerFrom(scene, instruction) };
    });
    if (pairs.length === 0) pairs.push({ instruction: scene.zh ? `${scene.topic}是什么？` : `What is ${scene.topic}?`, output: scene.topic });
    return { value: { pairs }, events: [] };
  },
};

function unknownReply(_request: ChatRequest, scene: Scene): ContentReply {
  const text = scene.sentences[0]?.text ?? "I have nothing to add.";
  return { value: undefined, plain: text, events: [] };
}

/** A list step needs at least one item; a document too short for any gives its own start. */
function orFallback(items: string[], scene: Scene): string[] {
  if (items.length > 0) return items;
  const start = scene.document.trim().slice(0, 40).trim();
  return [start.length > 0 ? start : scene.topic];
}

// ---- sentences ----

const RHETORIC_EN =
  /\b(but|yet|however|although|though|instead|only|because|so|while|whereas|than|like|as if|today|later|now|still|despite|unlike)\b|["“”;:]/gi;
const RHETORIC_ZH = /但|然而|因此|不同|虽然|却|而|仍|如同|像|：|“|”/g;

/** Sentences that carry rhetoric first (markers of contrast, cause, quotation), then in order. */
function rankSentences(scene: Scene): Sentence[] {
  const score = (s: Sentence) => (s.text.match(scene.zh ? RHETORIC_ZH : RHETORIC_EN) ?? []).length;
  return [...scene.sentences].sort((a, b) => score(b) - score(a) || a.start - b.start);
}

/**
 * The quote as a careless copy gives it, still found by `locateSentence`: a space doubled or made
 * a line break, quote marks curly instead of straight (or the reverse), or the final stop dropped.
 */
export function varyQuote(text: string, random: SimRandom): string {
  const ways: Array<() => string> = [];
  const spaces = [...text.matchAll(/ /g)].map((m) => m.index);
  if (spaces.length > 0) {
    const at = spaces[random.below(spaces.length)]!;
    const gap = random.chance(0.5) ? "  " : "\n";
    ways.push(() => text.slice(0, at) + gap + text.slice(at + 1));
  }
  if (/["']/.test(text)) {
    ways.push(() => {
      let open = true;
      return text.replace(/"/g, () => ((open = !open) ? "\u201d" : "\u201c")).replace(/'/g, "\u2019");
    });
  }
  if (/[\u201c\u201d\u2018\u2019]/.test(text)) {
    ways.push(() => text.replace(/[\u201c\u201d]/g, '"').replace(/[\u2018\u2019]/g, "'"));
  }
  if (/[.!?。！？]$/u.test(text)) ways.push(() => text.slice(0, -1));
  // Last resort (schemas trim it away): white space around the quote.
  if (ways.length === 0) ways.push(() => ` ${text}\n`);
  return ways[random.below(ways.length)]!();
}

/** A plausible sentence that is not in the document (nor among the rejected quotes). */
function fabricatedSentence(scene: Scene, rejected: readonly string[]): string | undefined {
  const words = contentWords(tokenize(scene.document)).map((p) => p.text);
  const a = words[scene.random.below(words.length)] ?? "change";
  const b = words[scene.random.below(words.length)] ?? "time";
  const options = scene.zh
    ? [`${scene.topic}的经历说明，${a}比任何事情都更重要。`, `归根结底，${scene.topic}讲的是${a}与${b}的故事。`]
    : [
        `In the end, the story of ${scene.topic} was less about ${a} than about ${b}.`,
        `Nobody who knew ${scene.topic} ever doubted that ${a} would matter more than ${b}.`,
        `Looking back, ${a} proved to be the turning point for ${scene.topic}.`,
      ];
  const made = options[scene.random.below(options.length)]!;
  const canon = canonicalQuote(made);
  if (canonicalQuote(scene.document).includes(canon) || rejected.includes(canon)) return undefined;
  return made;
}

// ---- instructions ----

const pick = <T>(list: readonly T[], variant: number): T => list[((variant % list.length) + list.length) % list.length]!;

function safeTopic(scene: Scene, ...avoid: string[]): string {
  const t = scene.topic.toLowerCase();
  const clash = avoid.some((a) => a.length > 0 && (t.includes(a.toLowerCase()) || a.toLowerCase().includes(t)));
  return clash ? (scene.zh ? "这一主题" : "this subject") : scene.topic;
}

function kindOf(element: string, zh: boolean): string {
  const kind = /^(?:公元前)?\d{3,4}(?:s|年)?$/.test(element)
    ? 0
    : /^\d/.test(element) || /^[两一二三四五六七八九十百千万]+多?[年个座条人岁]/u.test(element)
      ? 1
      : /^\p{Lu}/u.test(element)
        ? 2
        : 3;
  return (zh ? ["年份", "数字", "名称", "词语"] : ["year", "number or quantity", "name", "word or phrase"])[kind]!;
}

const MICRO_TEMPLATES = {
  en: [
    (kind: string, topic: string, blank: string) => `Which ${kind} completes this statement about ${topic}: "${blank}"?`,
    (kind: string, topic: string, blank: string) => `Regarding ${topic}, what is the missing ${kind} in "${blank}"?`,
    (kind: string, topic: string, blank: string) => `Fill in the blank with the right ${kind}: "${blank}" (this concerns ${topic}).`,
    (kind: string, topic: string, blank: string) => `What ${kind} belongs in the gap of this statement on ${topic}: "${blank}"?`,
  ],
  zh: [
    (kind: string, topic: string, blank: string) => `关于${topic}，下面这句话中空缺的${kind}是什么：“${blank}”？`,
    (kind: string, topic: string, blank: string) => `请补全关于${topic}的这句话，填入恰当的${kind}：“${blank}”。`,
    (kind: string, _topic: string, blank: string) => `“${blank}”一句中，横线处应填入什么${kind}？`,
  ],
};

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A question whose answer is the element: its sentence with the element blanked out. */
export function microInstruction(scene: Scene, element: string, variant: number): string {
  const needle = element.trim();
  const gap = scene.zh ? "____" : "___";
  const lower = needle.toLowerCase();
  const sentence = scene.sentences.find((s) => lower.length > 0 && s.text.toLowerCase().includes(lower));
  const topic = safeTopic(scene, needle);
  const kind = kindOf(needle, scene.zh);
  if (sentence === undefined || lower.length === 0) {
    return scene.zh ? `请指出与${topic}有关的一个具体细节。` : `Name one specific detail that is reported about ${topic}.`;
  }
  const blanked = sentence.text.replace(new RegExp(escapeRegExp(needle), "gi"), gap).replace(/[.!?。！？]+$/u, "");
  const text = pick(scene.zh ? MICRO_TEMPLATES.zh : MICRO_TEMPLATES.en, variant)(kind, topic, window(blanked, gap, scene.zh));
  // The element must not give itself away, even inside a template word.
  return text.replace(new RegExp(escapeRegExp(needle), "gi"), gap);
}

/** At most about 24 words (or 40 characters of Chinese) around the gap. */
function window(text: string, gap: string, zh: boolean): string {
  if (zh) {
    const at = Math.max(0, text.indexOf(gap));
    const from = Math.max(0, at - 20);
    return (from > 0 ? "……" : "") + text.slice(from, at + gap.length + 20) + (at + gap.length + 20 < text.length ? "……" : "");
  }
  const words = text.split(/\s+/);
  if (words.length <= 24) return text;
  const at = Math.max(0, words.findIndex((w) => w.includes(gap)));
  const from = Math.max(0, Math.min(at - 12, words.length - 24));
  return (from > 0 ? "... " : "") + words.slice(from, from + 24).join(" ") + (from + 24 < words.length ? " ..." : "");
}

const MACRO_TEMPLATES = {
  en: [
    (s: string, t: string) => `Why is it said that "${s}..." in the account of ${t}, and what does this point add to the surrounding discussion?`,
    (s: string, t: string) => `What contrast, concession or conclusion does the remark beginning "${s}..." express, and how does it connect to the rest of what is said about ${t}?`,
    (s: string, t: string) => `Explain the role of the statement starting "${s}..." in the discussion of ${t}: what comes before it, and what does it lead to?`,
    (s: string, t: string) => `How does the observation that begins "${s}..." shape our understanding of ${t}?`,
  ],
  zh: [
    (s: string, t: string) => `在介绍${t}时，为什么要提到“${s}……”？请结合前后内容说明。`,
    (s: string, t: string) => `“${s}……”这句话在关于${t}的叙述中起什么作用？`,
    (s: string, t: string) => `请解释“${s}……”与关于${t}的前后内容之间有什么联系。`,
  ],
};

/** A question that needs the sentence's meaning and context, quoting only its opening words. */
export function macroInstruction(scene: Scene, sentence: string, variant: number): string {
  const text = sentence.trim();
  let opening: string;
  if (scene.zh || !/\s/.test(text)) {
    opening = [...text].slice(0, Math.min(10, Math.max(2, Math.floor([...text].length / 2)))).join("");
  } else {
    const words = text.split(/\s+/);
    opening = words.slice(0, Math.min(6, Math.max(2, Math.floor(words.length / 2)))).join(" ");
  }
  opening = opening.replace(/["“”]/g, "'").replace(/[,;:，；：]+$/u, "");
  return pick(scene.zh ? MACRO_TEMPLATES.zh : MACRO_TEMPLATES.en, variant)(opening, safeTopic(scene));
}

const SCATTER_TEMPLATES = {
  en: [
    [
      (k: string[], t: string) => `How does ${k[0]} bear on the rest of what is known about ${t}?`,
      (k: string[], t: string) => `What part does ${k[0]} play in the larger story of ${t}, and why does it matter?`,
    ],
    [
      (k: string[], t: string) => `How is ${k[0]} connected to ${k[1]}, and what does the link reveal about ${t}?`,
      (k: string[]) => `Compare ${k[0]} with ${k[1]}: what role does each play, and how do they differ?`,
      (k: string[]) => `What chain of cause and effect leads from ${k[0]} to ${k[1]}?`,
    ],
    [
      (k: string[], t: string) => `Trace how ${k[0]}, ${k[1]} and ${k[2]} relate to one another in the story of ${t}.`,
      (k: string[]) => `What sequence of events links ${k[0]} to ${k[1]}, and where does ${k[2]} fit in?`,
      (k: string[]) => `Explain the connection between ${k[0]}, ${k[1]} and ${k[2]}, pointing out any cause, contrast or sequence among them.`,
    ],
  ],
  zh: [
    [
      (k: string[], t: string) => `${k[0]}对${t}的整体情况有什么影响？`,
      (k: string[], t: string) => `${k[0]}在${t}中起到了什么作用？为什么重要？`,
    ],
    [
      (k: string[]) => `${k[0]}与${k[1]}之间有什么联系？这种联系说明了什么？`,
      (k: string[]) => `比较${k[0]}和${k[1]}：二者各起什么作用，有何不同？`,
    ],
    [
      (k: string[]) => `请说明${k[0]}、${k[1]}和${k[2]}之间的关系，并指出其中的因果、对比或先后顺序。`,
      (k: string[]) => `${k[0]}、${k[1]}与${k[2]}是如何先后联系起来的？`,
    ],
  ],
};

/** A question that uses every keyword of the group word for word and asks how they connect. */
export function scatterInstruction(scene: Scene, group: readonly string[], variant: number): string {
  const keywords = group.map((k) => k.trim()).filter((k) => k.length > 0);
  if (keywords.length === 0) return macroInstruction(scene, scene.sentences[0]?.text ?? scene.topic, variant);
  const family = scene.zh ? SCATTER_TEMPLATES.zh : SCATTER_TEMPLATES.en;
  if (keywords.length > 3) {
    const list = scene.zh ? keywords.join("、") : `${keywords.slice(0, -1).join(", ")} and ${keywords[keywords.length - 1]}`;
    return scene.zh ? `请说明${list}之间的联系。` : `Explain how ${list} are connected.`;
  }
  return pick(family[keywords.length - 1]!, variant)(keywords, safeTopic(scene, ...keywords));
}

/** A scatter question that leaves one keyword of its group out (undefined when none can be left out cleanly). */
function instructionMissingKeyword(scene: Scene, group: readonly string[]): string | undefined {
  const start = scene.random.below(group.length);
  for (let k = 0; k < group.length; k++) {
    const dropped = group[(start + k) % group.length]!;
    const rest = group.filter((g) => g !== dropped);
    const text =
      rest.length === 0
        ? scene.zh
          ? "这一核心概念在整体中起到了什么作用？"
          : "What role does this central concept play in the wider story, and why does it matter?"
        : rest.length === 1
          ? scene.zh
            ? `${rest[0]}与其他方面有什么联系？`
            : `How does ${rest[0]} connect with the other developments described alongside it?`
          : scene.zh
            ? `${rest.join("与")}之间有什么联系？`
            : `How is ${rest.slice(0, -1).join(", ")} connected to ${rest[rest.length - 1]}?`;
    if (!text.toLowerCase().includes(dropped.toLowerCase())) return text;
  }
  return undefined;
}

// ---- answers ----

/** A sentence or two of the document that best match the instruction's words. */
export function answerFrom(scene: Scene, instruction: string): string {
  if (scene.sentences.length === 0) return scene.document.trim() || scene.topic;
  const terms = matchTerms(instruction);
  let best = 0;
  let bestScore = -1;
  scene.sentences.forEach((s, i) => {
    let score = 0;
    for (const t of matchTerms(s.text)) if (terms.has(t)) score++;
    if (score > bestScore) {
      best = i;
      bestScore = score;
    }
  });
  const first = scene.sentences[best]!.text;
  const next = scene.sentences[best + 1]?.text;
  return next !== undefined && [...first].length < 90 ? `${first}${scene.zh ? "" : " "}${next}` : first;
}
