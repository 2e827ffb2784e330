/**
 * Why an item failed, as a closed set so that drops can be counted by reason. Each is a reason to
 * re-synthesize the item, and the re-synthesis prompt names it.
 */
export const FAILURE_REASONS = [
  "no usable instruction",
  "unusable answer reply",
  "unusable re-synthesis reply",
  "unanswerable",
  "missing keyword",
  "contains its answer",
  "answer lacks its element",
  "quotes its sentence",
  "refers to the passage",
  "wrong language",
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

/** A failure: its reason, and what the reason is about when that helps (the keywords missing, which text). */
export interface Failure {
  reason: FailureReason;
  detail?: string;
}

export const failure = (reason: FailureReason, detail?: string): Failure => (detail === undefined ? { reason } : { reason, detail });

/** The failure told to the model in a re-synthesis prompt. */
export function describeFailure({ reason, detail }: Failure): string {
  switch (reason) {
    case "no usable instruction":
      return "No usable instruction was written for it.";
    case "unusable answer reply":
    case "unusable re-synthesis reply":
      return "The reply about it could not be read.";
    case "unanswerable":
      return "It could not be answered from the document alone.";
    case "missing keyword":
      return `It did not use every keyword word for word: missing ${detail ?? "a keyword"}.`;
    case "contains its answer":
      return "It contains its own answer, the element; ask for the element without naming it.";
    case "answer lacks its element":
      return "Its answer is not the element; ask for exactly this element.";
    case "quotes its sentence":
      return "It quotes the sentence instead of asking about its meaning; do not copy the sentence.";
    case "refers to the passage":
      return `${detail === "answer" ? "Its answer" : "It"} referred to the passage, the text or the document; name the things it is about instead.`;
    case "wrong language":
      return `${detail === "answer" ? "Its answer was" : "It was"} not in the document's language; write in the language of the document.`;
  }
}
