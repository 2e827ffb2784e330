/**
 * How the simulated model breaks the method's rules the way a weak real model does, on demand. Each
 * kind of misbehaviour has a rate and is decided per item from a hash of the request, so a run is
 * reproducible and a switch at 0 changes nothing. The wording is made here; which step uses it is
 * decided in sim-content; the server keeps the record of what was spoiled. Pure functions.
 */
import { unitOf } from "./sim-hash.js";

/** The rule-breaking kinds, each with its rate option `rate<Kind>` in SpoilRates. */
export const SPOIL_KINDS = [
  "answerInInstruction",
  "sentenceInInstruction",
  "passageReference",
  "answerableDenial",
  "wrongLanguage",
  "fabricatedKeyword",
  "partWordKeyword",
  "fabricatedElement",
  // Older switches whose items break a rule too (see ContentOptions).
  "missingKeyword",
] as const;
export type SpoilKind = (typeof SPOIL_KINDS)[number];

export interface SpoilRates {
  /** Share of micro instructions that contain their own element (their answer). */
  rateAnswerInInstruction: number;
  /** Share of macro instructions that quote their sentence whole. */
  rateSentenceInInstruction: number;
  /** Share of instructions, and apart from them of answers, that refer to "the passage" (or 根据文章). */
  ratePassageReference: number;
  /** Share of answers that say the document does not specify it, yet are marked answerable. */
  rateAnswerableDenial: number;
  /** Share of instructions, and apart from them of answers, written in English for a Chinese document. */
  rateWrongLanguage: number;
  /** Share of scatter keywords replaced by a phrase that is not in the document at all. */
  rateFabricatedKeyword: number;
  /** Share of scatter keywords replaced by a piece of a longer word of the document ("war" from "software"). */
  ratePartWordKeyword: number;
  /** Share of micro elements replaced by one that is not in the document. */
  rateFabricatedElement: number;
}

export const SPOIL_RATE_OPTIONS = [
  "rateAnswerInInstruction",
  "rateSentenceInInstruction",
  "ratePassageReference",
  "rateAnswerableDenial",
  "rateWrongLanguage",
  "rateFabricatedKeyword",
  "ratePartWordKeyword",
  "rateFabricatedElement",
] as const satisfies ReadonlyArray<keyof SpoilRates>;

export const NO_SPOILS: Readonly<SpoilRates> = Object.freeze(Object.fromEntries(SPOIL_RATE_OPTIONS.map((k) => [k, 0])) as unknown as SpoilRates);

/** Where a spoiled text ends up in a record: its instruction, its output, or one of its features. */
export type SpoilField = "instruction" | "answer" | "feature";

export interface Spoil {
  kind: SpoilKind;
  field: SpoilField;
  text: string;
}

/**
 * Whether item `item` of the request keyed `requestKey` gets misbehaviour `kind`: one draw per kind
 * and item, so switches do not disturb each other's choices.
 */
export function spoils(rate: number, kind: SpoilKind, requestKey: string, item: number | string): boolean {
  return rate > 0 && unitOf("spoil", kind, requestKey, item) < rate;
}

/** The spoiled texts a server saw, by field: the key is the text trimmed (features also lowercased). */
export type SpoiledTexts = Record<SpoilField, Map<string, SpoilKind>>;

export const emptySpoiledTexts = (): SpoiledTexts => ({ instruction: new Map(), answer: new Map(), feature: new Map() });

const keyOf = (field: SpoilField, text: string) => (field === "feature" ? text.trim().toLowerCase() : text.trim());

export function recordSpoil(spoiled: SpoiledTexts, spoil: Spoil): void {
  spoiled[spoil.field].set(keyOf(spoil.field, spoil.text), spoil.kind);
}

/** The misbehaviours a dataset record carries, by the simulator's record (none for a clean item). */
export function spoilsOf(record: { instruction: string; output: string; features: readonly string[] }, spoiled: SpoiledTexts): SpoilKind[] {
  const found = [
    spoiled.instruction.get(keyOf("instruction", record.instruction)),
    spoiled.answer.get(keyOf("answer", record.output)),
    ...record.features.map((f) => spoiled.feature.get(keyOf("feature", f))),
  ];
  return [...new Set(found.filter((k): k is SpoilKind => k !== undefined))];
}

// ---- wording ----

const pickBy = <T>(list: readonly T[], u: number): T => list[Math.floor(u * list.length) % list.length]!;

/** Lowercase, width-folded, punctuation as spaces: to tell whether a phrase is in a text. */
const folded = (text: string) => ` ${text.normalize("NFKC").toLowerCase().replace(/[^\p{L}\p{N}]+/gu, " ").trim()} `;

/** The first candidate from position u on that the document does not contain, nor `taken`. */
function absentFrom(document: string, candidates: readonly string[], taken: readonly string[], u: number): string | undefined {
  const doc = folded(document);
  const used = new Set(taken.map((t) => folded(t)));
  const from = Math.floor(u * candidates.length);
  for (let k = 0; k < candidates.length; k++) {
    const c = candidates[(from + k) % candidates.length]!;
    if (!doc.includes(folded(c).trim()) && !used.has(folded(c))) return c;
  }
  return undefined;
}

const MADE_UP_KEYWORDS = {
  en: ["economic growth", "public opinion", "military strategy", "climate policy", "trade agreement", "population decline", "urban planning", "tax reform"],
  zh: ["经济增长", "社会舆论", "军事战略", "气候政策", "贸易协定", "人口下降", "城市规划", "税收改革"],
};

/** A plausible keyword that is not in the document at all. */
export function fabricatedKeyword(document: string, zh: boolean, taken: readonly string[], u: number): string | undefined {
  return absentFrom(document, zh ? MADE_UP_KEYWORDS.zh : MADE_UP_KEYWORDS.en, taken, u);
}

const MADE_UP_ELEMENTS = {
  en: ["1847", "Professor Adler", "37 kilometres", "Treaty of Lund", "Margaret Voss", "1,250 tonnes", "1768", "Harbour Commission"],
  zh: ["1937年", "王建国", "三百多座", "长江大桥", "1768年", "赵明远", "四十多公里", "港口委员会"],
};

/** A fine-grained element (a year, a name, a quantity) that is not in the document. */
export function fabricatedElement(document: string, zh: boolean, taken: readonly string[], u: number): string | undefined {
  return absentFrom(document, zh ? MADE_UP_ELEMENTS.zh : MADE_UP_ELEMENTS.en, taken, u);
}

/**
 * A piece of a longer word of the document that never stands as a word of its own there ("ware"
 * from "software"): present as a substring, absent word for word. Only for spaced scripts.
 */
export function partWordKeyword(document: string, taken: readonly string[], u: number): string | undefined {
  const words = [...new Set((document.match(/\p{L}{7,}/gu) ?? []).map((w) => w.toLowerCase()))];
  const asWords = new Set((document.toLowerCase().match(/\p{L}+/gu) ?? []));
  const used = new Set(taken.map((t) => t.trim().toLowerCase()));
  const pieces: string[] = [];
  for (const w of words) {
    // Leading and trailing pieces of 3 to 5 letters, as a careless extraction cuts them.
    for (let len = 5; len >= 3; len--) {
      for (const piece of [w.slice(0, len), w.slice(-len)]) {
        if (!asWords.has(piece) && !used.has(piece) && !pieces.includes(piece)) pieces.push(piece);
      }
    }
  }
  return pieces.length === 0 ? undefined : pickBy(pieces, u);
}

/** "According to the passage, ..." in front of a text, in its language. */
export function withPassageReference(text: string, zh: boolean, u: number): string {
  if (zh) return `${pickBy(["根据文章，", "根据原文，", "文中提到，", "根据这篇文章，"], u)}${text}`;
  const lead = pickBy(["According to the passage, ", "Based on the text, ", "As the document states, ", "According to the article, "], u);
  const rest = /^\p{Lu}\p{Ll}/u.test(text) && !/^I\b/.test(text) ? text[0]!.toLowerCase() + text.slice(1) : text;
  return lead + rest;
}

/** An answer that says the document does not say, although the model marked it answerable. */
export function answerableDenial(topic: string, zh: boolean, u: number): string {
  if (zh) return pickBy([`文中没有具体说明这一点。`, `文章并未提及关于${topic}的这一细节。`], u);
  return pickBy([
    "The document does not specify this.",
    `The document does not specify this detail about ${topic}.`,
    `The text does not say; it only describes ${topic} in general terms.`,
  ], u);
}

/** A micro instruction that names its own element, so it gives its answer away. */
export function instructionWithAnswer(element: string, topic: string, zh: boolean, u: number): string {
  if (zh) return pickBy([`${element}在${topic}中有什么意义？`, `为什么说${element}对${topic}很重要？`], u);
  return pickBy([`What role does ${element} play in the story of ${topic}?`, `Why is ${element} important for ${topic}?`], u);
}

/** A macro instruction that quotes its whole sentence. */
export function instructionQuotingSentence(sentence: string, zh: boolean, u: number): string {
  const s = sentence.trim();
  if (zh) return pickBy([`请解释这句话的含义：“${s}”`, `为什么说“${s}”？`], u);
  return pickBy([`Explain what is meant by this statement: "${s}"`, `What does this sentence mean, and why does it matter: "${s}"`], u);
}

/** An instruction in English for a Chinese document (keywords of a scatter group kept as they are). */
export function englishInstruction(level: "micro" | "scatter" | "macro", features: readonly string[], u: number): string {
  if (level === "scatter" && features.length > 0) {
    return `How are ${features.join(" and ")} connected to one another, and why does the connection matter?`;
  }
  if (level === "macro") return pickBy(["What turning point is described here, and what does it lead to?", "Why did this development matter, and what came of it?"], u);
  return pickBy(["Which specific detail, such as a date, a name or a number, is given about this subject?", "What exact figure or name is reported here?"], u);
}

/** An answer in English for a Chinese document: a few of its characters at most. */
export function englishAnswer(chineseAnswer: string): string {
  const glimpse = [...chineseAnswer.replace(/[^\p{Script=Han}]/gu, "")].slice(0, 6).join("");
  return `In short, this concerns ${glimpse}: the work described was carried out over many years, and it changed how the region managed its resources.`;
}
