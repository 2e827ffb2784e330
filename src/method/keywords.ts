/** Lowercase, width-folded, with punctuation and runs of space reduced to one space. */
export function normalizeForMatch(text: string): string {
  return text
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

/** The keywords of a group that the instruction does not use (case, punctuation and spacing aside). */
export function missingKeywords(instruction: string, keywords: readonly string[]): string[] {
  const haystack = ` ${normalizeForMatch(instruction)} `;
  return keywords.filter((k) => {
    const needle = normalizeForMatch(k);
    return needle.length > 0 && !haystack.includes(needle);
  });
}

/** Distinct items by their normalised form, first spelling kept, empty ones dropped. */
export function distinctFeatures(items: readonly string[], already: readonly string[] = []): string[] {
  const seen = new Set(already.map(normalizeForMatch));
  const out: string[] = [];
  for (const item of items) {
    const key = normalizeForMatch(item);
    if (key.length === 0 || seen.has(key)) continue;
    seen.add(key);
    out.push(item.trim());
  }
  return out;
}
