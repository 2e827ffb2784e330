import type { ChatMessage } from "../llm/port.js";
import type { Level } from "./levels.js";

/**
 * Every prompt of the method, as pure functions. Layout for provider prefix caches: the system
 * message is the same for every call, and the user message opens with the document, so every call
 * about one document shares its whole prefix; only the task at the end differs.
 * Inputs the task works on are given as JSON inside tags (<items>, <feature>, ...).
 */

/** Bump when a prompt changes, so cached replies to older prompts are not reused. */
export const PROMPT_VERSION = 2;

export const SYSTEM_PROMPT =
  "You help build instruction-tuning data from documents. Each request shows one document between " +
  "<document> tags, followed by one task about it. Work only from that document. Reply with a single " +
  "JSON object of the form the task asks for, with no text before or after it.";

function messages(document: string, task: string): ChatMessage[] {
  return [
    { role: "system", content: SYSTEM_PROMPT },
    { role: "user", content: `<document>\n${document}\n</document>\n\n${task}` },
  ];
}

const json = (value: unknown) => JSON.stringify(value);

/** The candidates of an earlier request that are not in the document, not to be offered again. */
function notFound(label: string, rejected: readonly string[], what = "do not occur in the document as written"): string {
  return rejected.length === 0
    ? ""
    : `\nThese ${label} ${what}; do not offer them again:\n<rejected>\n${json(rejected)}\n</rejected>`;
}

function excluding(label: string, already: readonly string[]): string {
  return already.length === 0
    ? ""
    : `\nThese ${label} are already chosen; do not repeat them:\n<exclude>\n${json(already)}\n</exclude>`;
}

/** What a good instruction of each level must do; shared by synthesis and re-synthesis. */
export const LEVEL_RULES: Record<Level, string> = {
  micro:
    "Its correct answer must be exactly the element, it must not contain the element itself, and it " +
    "must be answerable from the document alone.",
  scatter:
    "It must use every keyword of its group word for word and make the reader connect them (a cause " +
    "and its effect, a comparison, a sequence or a contrast across different parts of the document), " +
    "and it must be answerable from the document alone.",
  macro:
    "It must need the meaning of the sentence and its context in the document to answer (why it is " +
    "said, what it contrasts, concedes or concludes, what a figure of speech stands for), without " +
    "quoting the sentence whole.",
};

const STANDALONE =
  "Each instruction must make sense to a reader who has not seen the document: name the things it " +
  'asks about instead of referring to "the document", "the text" or "the passage". Write it in the ' +
  "language of the document.";

/** What one feature of each level is called in a prompt. */
export const FEATURE_NAMES: Record<Level, string> = { micro: "element", scatter: "keyword group", macro: "sentence" };

export function microElementsPrompt(document: string, count: number, already: readonly string[], notInDocument: readonly string[] = []): ChatMessage[] {
  return messages(
    document,
    `Task: pick out ${count} distinct fine-grained elements of the document: named entities, numbers, ` +
      "dates, quantities, attributes, minor entities and the things they relate to. Each element is a " +
      "short phrase as written in the document, and each must be the kind of detail a precise question " +
      "could have as its whole answer. Prefer specific details over the main topic." +
      excluding("elements", already) +
      notFound("elements", notInDocument) +
      `\nReply as {"elements": ["..."]} with at most ${count} items.`,
  );
}

export function microInstructionsPrompt(document: string, elements: readonly string[]): ChatMessage[] {
  return messages(
    document,
    "Task: for each element below, write one instruction (a question or a request) whose correct " +
      `answer is that element. ${LEVEL_RULES.micro} ${STANDALONE}\n` +
      `<items>\n${json(elements)}\n</items>\n` +
      `Reply as {"instructions": ["..."]} with exactly ${elements.length} strings, the i-th for the i-th element.`,
  );
}

export function scatterKeywordsPrompt(document: string, count: number, already: readonly string[], notInDocument: readonly string[] = []): ChatMessage[] {
  return messages(
    document,
    `Task: list ${count} distinct keywords of the document: concepts, entities, events and terms, each ` +
      "of one to three words, written exactly as they appear. Spread them over the whole document, " +
      "from its beginning to its end, so that they can later be connected across its parts." +
      excluding("keywords", already) +
      notFound("keywords", notInDocument) +
      `\nReply as {"keywords": ["..."]} with at most ${count} items.`,
  );
}

export function scatterImportancePrompt(document: string, keywords: readonly string[], core: number, major: number): ChatMessage[] {
  return messages(
    document,
    `Task: from the keywords below, choose the ${core} core keywords (the central concepts of the ` +
      `document) and the ${major} major keywords (the key concepts that support them). Copy each ` +
      "keyword exactly as listed; a keyword is either core or major, not both.\n" +
      `<items>\n${json(keywords)}\n</items>\n` +
      `Reply as {"core": ["..."], "major": ["..."]} with exactly ${core} core and ${major} major keywords.`,
  );
}

export function scatterInstructionsPrompt(document: string, groups: readonly (readonly string[])[]): ChatMessage[] {
  return messages(
    document,
    "Task: for each group of keywords below, write one instruction. " +
      `${LEVEL_RULES.scatter} A group of one keyword asks how that concept bears on the rest of the ` +
      `document. ${STANDALONE}\n` +
      `<items>\n${json(groups)}\n</items>\n` +
      `Reply as {"instructions": ["..."]} with exactly ${groups.length} strings, the i-th for the i-th group.`,
  );
}

export function macroSentencesPrompt(
  document: string,
  count: number,
  already: readonly string[],
  notInDocument: readonly string[],
): ChatMessage[] {
  return messages(
    document,
    `Task: quote ${count} key sentences of the document, each copied exactly, word for word, with its ` +
      "punctuation. Choose sentences that carry the document's rhetoric and structure rather than single " +
      "facts: transitions, quotations, comparisons, figurative language, concessions, conclusions." +
      excluding("sentences", already) +
      notFound("quotes", notInDocument, "are not sentences of the document as written") +
      `\nReply as {"sentences": ["..."]} with at most ${count} items.`,
  );
}

export function macroInstructionsPrompt(document: string, sentences: readonly string[]): ChatMessage[] {
  return messages(
    document,
    "Task: turn each sentence below into one instruction grounded in it, a question or a request. " +
      `${LEVEL_RULES.macro} ${STANDALONE}\n` +
      `<items>\n${json(sentences)}\n</items>\n` +
      `Reply as {"instructions": ["..."]} with exactly ${sentences.length} strings, the i-th for the i-th sentence.`,
  );
}

export function answerPrompt(document: string, instruction: string): ChatMessage[] {
  return messages(
    document,
    "Task: carry out the instruction below using only the document. Give a detailed, accurate and " +
      "self-contained answer in the language of the document, as an expert would give it directly: do " +
      "not mention the document, the text or the passage. If the document does not hold what the answer needs, set answerable to " +
      'false and leave the answer empty; do not guess. (Without JSON, reply with the single word UNANSWERABLE.)\n' +
      `<instruction>\n${instruction}\n</instruction>\n` +
      'Reply as {"answerable": true, "answer": "..."}.',
  );
}

/** One successful (feature, instruction) pair shown as an example in re-synthesis. */
export interface Shot {
  feature: unknown;
  instruction: string;
}

export function resynthesisPrompt(
  document: string,
  level: Level,
  feature: unknown,
  shots: readonly Shot[],
  failedInstruction: string,
  whyItFailed?: string,
): ChatMessage[] {
  const name = FEATURE_NAMES[level];
  const examples =
    shots.length === 0
      ? ""
      : `Good instructions written for other ${name}s of this document:\n<examples>\n${json(shots)}\n</examples>\n`;
  return messages(
    document,
    `Task: an earlier instruction written for the ${name} below failed. Write one new, better ` +
      `instruction for the same ${name}. ` +
      `${LEVEL_RULES[level]} ${STANDALONE}\n` +
      `<feature>\n${json(feature)}\n</feature>\n` +
      examples +
      `The failed instruction, not to be repeated:\n<avoid>\n${failedInstruction}\n</avoid>\n` +
      (whyItFailed ? `Why it failed: ${whyItFailed}\n` : "") +
      'Reply as {"instruction": "..."}.',
  );
}

export function selfQaPrompt(document: string, count: number): ChatMessage[] {
  return messages(
    document,
    `Task: write ${count} question-answer pairs about the document. Each question must be answerable ` +
      "from the document alone and make sense to a reader who has not seen it; each answer must be " +
      "detailed, accurate and given directly, without mentioning the document.\n" +
      `Reply as {"pairs": [{"instruction": "...", "output": "..."}]} with at most ${count} pairs.`,
  );
}
