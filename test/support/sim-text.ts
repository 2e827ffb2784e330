/**
 * Reading a document the way the simulated model does: sentences, words, elements, keywords and a
 * topic, for English-like text with spaces and for Chinese text without them. Pure functions.
 */

export interface Sentence {
  /** The sentence exactly as written in the document. */
  text: string;
  start: number;
}

const HAN = /\p{Script=Han}/u;

/** Whether the text is mostly Chinese (Han characters outnumber other letters). */
export function isChinese(text: string): boolean {
  let han = 0;
  let other = 0;
  for (const ch of text) {
    if (HAN.test(ch)) han++;
    else if (/\p{L}/u.test(ch)) other++;
  }
  return han > other;
}

/**
 * The document's sentences: ends at . ! ? (plus closing quotes) before white space, at 。！？ (plus
 * closing quotes), and at line breaks. Each text is a verbatim slice of the document.
 */
export function splitSentences(document: string): Sentence[] {
  const out: Sentence[] = [];
  const end = /[.!?]+["'”’)\]]*(?=\s|$)|[。！？]+[”’」』）]*|\n+/gu;
  let from = 0;
  const push = (to: number) => {
    const raw = document.slice(from, to);
    const lead = raw.length - raw.trimStart().length;
    const text = raw.trim();
    if (/[\p{L}\p{N}]/u.test(text)) out.push({ text, start: from + lead });
    from = to;
  };
  for (const m of document.matchAll(end)) push(m.index + m[0].length);
  push(document.length);
  return out;
}

export interface Token {
  text: string;
  start: number;
  kind: "word" | "number" | "han";
  /** Index of the sentence the token is in. */
  sentence: number;
  /** Whether the token opens its sentence. */
  first: boolean;
  /** Whether only a single space separates it from the previous token. */
  joined: boolean;
}

const TOKEN =
  /(?<number>\d+(?:[.,]\d+)*(?:s|st|nd|rd|th|%)?(?![\p{L}\d]))|(?<han>\p{Script=Han}+)|(?<word>(?:[^\P{L}\p{Script=Han}]|\p{M})+(?:['’-](?:[^\P{L}\p{Script=Han}]|\p{M})+)*)/gu;

/** Numbers, Han runs and words, with where they stand. */
export function tokenize(document: string): Token[] {
  const sentences = splitSentences(document);
  const tokens: Token[] = [];
  let s = 0;
  let prevEnd = -1;
  let prevSentence = -1;
  for (const m of document.matchAll(TOKEN)) {
    while (s + 1 < sentences.length && sentences[s + 1]!.start <= m.index) s++;
    const groups = m.groups!;
    const kind = groups.number ? "number" : groups.han ? "han" : "word";
    tokens.push({
      text: m[0],
      start: m.index,
      kind,
      sentence: s,
      first: s !== prevSentence,
      joined: prevEnd >= 0 && s === prevSentence && document.slice(prevEnd, m.index) === " ",
    });
    prevEnd = m.index + m[0].length;
    prevSentence = s;
  }
  return tokens;
}

const STOPWORDS = new Set(
  (
    "a about above after again against all almost along also although always am among an and another any are " +
    "around as at away be became because become been before began being below between both but by came can " +
    "cannot could did do does doing done down during each early either else enough even ever every few first " +
    "for from further had has have having he her here hers herself him himself his how however i if in into is " +
    "it its itself just last later least less like little made make many may me might more most much must my " +
    "near nearly neither never new next no nor not now of off often on once one only onto or other others our " +
    "out over own per quite rather same several she should since so some still such than that the their them " +
    "themselves then there these they this those though through thus to today too toward towards two under " +
    "until up upon us used very was we were what when where whether which while who whom whose why will with " +
    "within without would yet you your yours three four five six seven eight nine ten hundred thousand half " +
    "instead already whole become becomes part parts way ways time times called known kind"
  ).split(" "),
);

export function isStopword(word: string): boolean {
  return STOPWORDS.has(word.toLowerCase());
}

const isCapitalised = (t: Token) => t.kind === "word" && /^\p{Lu}/u.test(t.text);
const isContentWord = (t: Token) => t.kind === "word" && !isStopword(t.text) && /^\p{Ll}/u.test(t.text);
const LINKS = new Set(["of", "de", "von", "van", "der", "du", "la"]);

/** A phrase with where it first stands. */
export interface Phrase {
  text: string;
  start: number;
}

/**
 * Runs of capitalised words ("Clara Houtman", "Berlin Observatory", "University of Paris"), at
 * most `maxWords` long, with leading stopwords dropped. A lone capitalised word that opens a
 * sentence counts only when the document also capitalises it mid-sentence.
 */
export function capitalisedPhrases(document: string, tokens = tokenize(document), maxWords = 4): Phrase[] {
  const midCapitalised = new Set(tokens.filter((t) => isCapitalised(t) && !t.first).map((t) => t.text));
  const out: Phrase[] = [];
  let i = 0;
  while (i < tokens.length) {
    if (!isCapitalised(tokens[i]!)) {
      i++;
      continue;
    }
    const run: Token[] = [tokens[i]!];
    let j = i + 1;
    while (j < tokens.length && tokens[j]!.joined) {
      const t = tokens[j]!;
      if (isCapitalised(t)) run.push(t);
      else if (LINKS.has(t.text) && tokens[j + 1]?.joined && isCapitalised(tokens[j + 1]!)) run.push(t);
      else break;
      j++;
    }
    i = j;
    while (run.length > 0 && isStopword(run[0]!.text)) run.shift();
    while (run.length > 0 && (LINKS.has(run[run.length - 1]!.text) || isStopword(run[run.length - 1]!.text))) run.pop();
    if (run.length === 0) continue;
    if (run.length === 1 && run[0]!.first && !midCapitalised.has(run[0]!.text)) continue;
    const words = run.slice(0, maxWords);
    const last = words[words.length - 1]!;
    out.push({ text: document.slice(words[0]!.start, last.start + last.text.length), start: words[0]!.start });
  }
  return out;
}

/** Numbers with the unit word that follows them when there is one ("42.195 kilometres", "1911"). */
export function numberPhrases(document: string, tokens = tokenize(document)): Phrase[] {
  const out: Phrase[] = [];
  tokens.forEach((t, i) => {
    if (t.kind !== "number") return;
    const next = tokens[i + 1];
    const isYear = /^\d{4}s?$/.test(t.text);
    const text =
      !isYear && next?.joined && isContentWord(next) ? document.slice(t.start, next.start + next.text.length) : t.text;
    out.push({ text, start: t.start });
  });
  return out;
}

/** Lower-case content words of at least `minLength` letters, most frequent first, then in order. */
export function contentWords(tokens: readonly Token[], minLength = 4): Phrase[] {
  const seen = new Map<string, { phrase: Phrase; count: number }>();
  for (const t of tokens) {
    if (!isContentWord(t) || t.text.length < minLength) continue;
    const key = t.text.toLowerCase();
    const entry = seen.get(key);
    if (entry) entry.count++;
    else seen.set(key, { phrase: { text: t.text, start: t.start }, count: 1 });
  }
  return [...seen.values()].sort((x, y) => y.count - x.count || x.phrase.start - y.phrase.start).map((e) => e.phrase);
}

/** Two adjacent lower-case content words in one clause ("tangled roots", "steel trusses"). */
export function contentBigrams(document: string, tokens: readonly Token[]): Phrase[] {
  const out: Phrase[] = [];
  for (let i = 0; i + 1 < tokens.length; i++) {
    const a = tokens[i]!;
    const b = tokens[i + 1]!;
    const plain = (t: Token) => isContentWord(t) && t.text.length >= 3 && !t.text.endsWith("ly");
    if (b.joined && plain(a) && plain(b)) {
      out.push({ text: document.slice(a.start, b.start + b.text.length), start: a.start });
    }
  }
  return out;
}

// ---- Chinese ----

/** Characters that rarely open or close a Chinese term; segments are split at them. */
const HAN_BREAKS = /[的了和与及在是把被用于由将对从而并也则不为其这那使让以等]/u;

/** Han segments between punctuation and function characters, with their positions. */
export function hanSegments(document: string): Phrase[] {
  const out: Phrase[] = [];
  for (const m of document.matchAll(/\p{Script=Han}+/gu)) {
    let from = 0;
    const run = m[0];
    for (let i = 0; i <= run.length; i++) {
      if (i === run.length || HAN_BREAKS.test(run[i]!)) {
        // Characters right next to a number are its unit or prefix ("年左右", "公元前"), not a term.
        const nearNumber = (from === 0 && /\d$/.test(document.slice(0, m.index))) || (i === run.length && /^\d/.test(document.slice(m.index + i)));
        if (i > from && !nearNumber) out.push({ text: run.slice(from, i), start: m.index + from });
        from = i + 1;
      }
    }
  }
  return out;
}

/** Chinese numbers with their unit ("公元前256年", "2000年", "两千多年"). */
export function hanNumberPhrases(document: string): Phrase[] {
  const re = /(?:公元前|公元)?\d+(?:\.\d+)?(?:多)?(?:年代|年|月|日|世纪|米|公里|千米|平方公里|万|亿|%|个|座|条|人|岁)?|[两一二三四五六七八九十百千万]+多?(?:年|个|座|条|人)/gu;
  return [...document.matchAll(re)].map((m) => ({ text: m[0], start: m.index }));
}

/**
 * Terms of a Chinese document: short segments (2 to 6 characters) as they stand, then substrings
 * of 2 to 4 characters that occur more than once, longest first.
 */
export function hanTerms(document: string): Phrase[] {
  const segments = hanSegments(document);
  const short = segments.filter((s) => s.text.length >= 2 && s.text.length <= 6);
  const counts = new Map<string, Phrase & { count: number }>();
  for (const s of segments) {
    for (let len = 4; len >= 2; len--) {
      for (let i = 0; i + len <= s.text.length; i++) {
        const text = s.text.slice(i, i + len);
        const entry = counts.get(text);
        if (entry) entry.count++;
        else counts.set(text, { text, start: s.start + i, count: 1 });
      }
    }
  }
  const repeated = [...counts.values()]
    .filter((e) => e.count > 1)
    .sort((a, b) => b.text.length - a.text.length || b.count - a.count || a.start - b.start);
  return [...short, ...repeated.map(({ text, start }) => ({ text, start }))];
}

// ---- selection ----

export const sameText = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/** The first `count` phrases, distinct (case-insensitive) and not excluded. */
export function pickDistinct(candidates: readonly Phrase[], count: number, exclude: readonly string[]): Phrase[] {
  const taken = new Set(exclude.map((e) => e.trim().toLowerCase()));
  const out: Phrase[] = [];
  for (const c of candidates) {
    if (out.length >= count) break;
    const key = c.text.trim().toLowerCase();
    if (key.length === 0 || taken.has(key)) continue;
    taken.add(key);
    out.push(c);
  }
  return out;
}

/** Fine-grained elements: numbers and dates, names, then other content words. */
export function elementCandidates(document: string): Phrase[] {
  if (isChinese(document)) return [...hanNumberPhrases(document), ...hanTerms(document)];
  const tokens = tokenize(document);
  return [...numberPhrases(document, tokens), ...capitalisedPhrases(document, tokens), ...contentWords(tokens, 5)];
}

/**
 * Keywords of one to three words spread over the document: the candidates in document order are
 * cut into `count` stretches and each stretch gives its best one (names, then word pairs, then
 * words), avoiding keywords that overlap one already chosen; left-over room is filled in order.
 */
export function keywordCandidates(document: string, count: number, exclude: readonly string[]): Phrase[] {
  let ranked: Array<Phrase & { rank: number }>;
  if (isChinese(document)) {
    ranked = hanTerms(document).map((p) => ({ ...p, rank: p.text.length >= 3 ? 0 : 1 }));
  } else {
    const tokens = tokenize(document);
    ranked = [
      ...capitalisedPhrases(document, tokens, 3).map((p) => ({ ...p, rank: 0 })),
      ...contentBigrams(document, tokens).map((p) => ({ ...p, rank: 1 })),
      ...contentWords(tokens, 4).map((p) => ({ ...p, rank: 2 })),
    ];
  }
  const pool = pickDistinct(
    ranked.sort((a, b) => a.start - b.start),
    Number.MAX_SAFE_INTEGER,
    exclude,
  ) as Array<Phrase & { rank: number }>;
  if (pool.length <= count) return pool;
  const chosen: Phrase[] = [];
  const overlaps = (p: Phrase) =>
    chosen.some((c) => c.text.toLowerCase().includes(p.text.toLowerCase()) || p.text.toLowerCase().includes(c.text.toLowerCase()));
  for (let k = 0; k < count; k++) {
    const stretch = pool.slice(Math.floor((k * pool.length) / count), Math.floor(((k + 1) * pool.length) / count));
    const best = [...stretch].sort((a, b) => a.rank - b.rank).find((p) => !overlaps(p));
    if (best) chosen.push(best);
  }
  for (const p of pool) if (chosen.length < count && !chosen.includes(p) && !overlaps(p)) chosen.push(p);
  for (const p of pool) if (chosen.length < count && !chosen.includes(p)) chosen.push(p);
  return chosen.sort((a, b) => a.start - b.start);
}

/** What the document is about, for wording questions: its first name, else its commonest term. */
export function topicOf(document: string): string {
  if (isChinese(document)) {
    const terms = hanTerms(document);
    const repeated = terms.find((t) => t.text.length >= 3 && document.split(t.text).length > 2);
    return (repeated ?? terms[0])?.text ?? "这一主题";
  }
  const tokens = tokenize(document);
  const names = capitalisedPhrases(document, tokens);
  const multi = names.find((n) => n.text.includes(" "));
  return (multi ?? names[0] ?? contentWords(tokens)[0])?.text ?? "this subject";
}

/** Words (or, for Chinese, character pairs) that say what a text is about, for matching. */
export function matchTerms(text: string): Set<string> {
  const out = new Set<string>();
  for (const t of tokenize(text)) {
    if (t.kind === "han") for (let i = 0; i + 2 <= t.text.length; i++) out.add(t.text.slice(i, i + 2));
    else if (t.kind === "number" || (!isStopword(t.text) && t.text.length >= 3)) out.add(t.text.toLowerCase());
  }
  return out;
}

/** The text with white space squeezed and quotes made plain, for comparing quotes. */
export function canonicalQuote(text: string): string {
  return text
    .replace(/[\u201c\u201d\u201e\u201f\u00ab\u00bb]/g, '"')
    .replace(/[\u2018\u2019\u201a\u201b\u2032`]/g, "'")
    .replace(/\s+/g, " ")
    .trim()
    .replace(/[.!?。！？…]+$/u, "");
}
