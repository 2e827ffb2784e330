/** Characters of scripts written without spaces between words. */
const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;

/** Whether the text holds any character of a script written without spaces between words. */
export function hasUnspacedScript(text: string): boolean {
  return UNSPACED.test(text);
}

/** A writing system as far as telling a document's language apart needs: Chinese and Japanese apart, the rest by script. */
export type WritingSystem = "chinese" | "japanese" | "korean" | "thai" | "latin" | "cyrillic" | "greek" | "arabic" | "hebrew" | "devanagari" | "other";

const SCRIPTS: Array<[RegExp, WritingSystem | "han" | "kana", number]> = [
  // Weights roughly even out how much text one character is: a Han character is about a word,
  // a letter of an alphabet a fifth of one.
  [/\p{Script=Han}/u, "han", 1],
  [/[\p{Script=Hiragana}\p{Script=Katakana}]/u, "kana", 1],
  [/\p{Script=Hangul}/u, "korean", 0.6],
  [/[\p{Script=Thai}\p{Script=Lao}]/u, "thai", 0.3],
  [/\p{Script=Latin}/u, "latin", 0.2],
  [/\p{Script=Cyrillic}/u, "cyrillic", 0.2],
  [/\p{Script=Greek}/u, "greek", 0.2],
  [/\p{Script=Arabic}/u, "arabic", 0.25],
  [/\p{Script=Hebrew}/u, "hebrew", 0.25],
  [/\p{Script=Devanagari}/u, "devanagari", 0.25],
];

/** The writing system most of a text is in, and how much text (in about words) it holds; undefined without letters. */
export function writingSystem(text: string): { system: WritingSystem; amount: number } | undefined {
  const weight = new Map<string, number>();
  let amount = 0;
  for (const ch of text) {
    if (!/\p{L}/u.test(ch)) continue;
    const [, name, w] = SCRIPTS.find(([pattern]) => pattern.test(ch)) ?? [undefined, "other", 0.2];
    weight.set(name, (weight.get(name) ?? 0) + w);
    amount += w;
  }
  if (amount === 0) return undefined;
  const han = weight.get("han") ?? 0;
  const kana = weight.get("kana") ?? 0;
  weight.delete("han");
  weight.delete("kana");
  // Japanese mixes Han and Kana; Chinese has (next to) no Kana.
  if (han + kana > 0) weight.set(kana >= 0.1 * (han + kana) ? "japanese" : "chinese", han + kana);
  let best: [string, number] = ["other", -1];
  for (const entry of weight) if (entry[1] > best[1]) best = entry;
  return { system: best[0] as WritingSystem, amount };
}

// Every item of a document is checked against it: its writing system is worked out once.
let lastDocument: { text: string; system: ReturnType<typeof writingSystem> } | undefined;
function documentSystem(document: string): ReturnType<typeof writingSystem> {
  if (lastDocument?.text !== document) lastDocument = { text: document, system: writingSystem(document) };
  return lastDocument.system;
}

/** Texts with less than this (in about words) are too short to judge: a name, a number, a unit. */
const JUDGED_AMOUNT = 4;

/**
 * Whether a text is plainly in another writing system than its document (an English answer for a
 * Chinese document). Short texts, and texts found word for word in the document, are not judged.
 */
export function inOtherLanguage(document: string, text: string): boolean {
  const own = writingSystem(text);
  if (!own || own.amount < JUDGED_AMOUNT) return false;
  const expected = documentSystem(document);
  if (!expected || expected.system === own.system) return false;
  // Han alone is written in Japanese too: only kana marks Japanese off from Chinese, not its absence.
  if (expected.system === "japanese" && own.system === "chinese") return false;
  return !document.normalize("NFKC").includes(text.normalize("NFKC").trim());
}
