import { containsTerm } from "./rules/contains-term.js";
import { matchForm } from "./rules/match-form.js";

/** Distinct items by their normalised form, first spelling kept, empty ones dropped. */
export function distinctFeatures(items: readonly string[], already: readonly string[] = []): string[] {
  const seen = new Set(already.map(matchForm));
  const out: string[] = [];
  for (const item of items) {
    const key = matchForm(item);
    if (key.length === 0 || seen.has(key)) continue;
    seen.add(key);
    out.push(item.trim());
  }
  return out;
}

/** Candidate features split into those found in the document (see containsTerm) and those not. */
export function inDocument(document: string, candidates: readonly string[]): { accepted: string[]; rejected: string[] } {
  const accepted: string[] = [];
  const rejected: string[] = [];
  for (const candidate of candidates) (containsTerm(document, candidate) ? accepted : rejected).push(candidate);
  return { accepted, rejected };
}
