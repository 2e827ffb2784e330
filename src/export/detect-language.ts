import { franc } from "franc-min";
import { iso6393To1 } from "iso-639-3";

/** Items looked at: spread evenly over the dataset, enough to see a language of 5%. */
const SAMPLE = 400;
/** A language is listed when at least this share of the items whose language was told is in it. */
const MIN_SHARE = 0.05;

/**
 * The languages of a dataset, for the card's `language`: each sampled text's language by franc
 * (trigrams; ISO 639-3), written as ISO 639-1 where the language has a two-letter code (what the
 * Hub shows), most frequent first. Texts franc cannot tell ("und": too short, no letters) are
 * skipped; none told gives none.
 */
export function detectLanguages(texts: readonly string[]): string[] {
  const step = Math.max(1, texts.length / SAMPLE);
  const counts = new Map<string, number>();
  let told = 0;
  for (let i = 0; i < texts.length; i += step) {
    const code = franc(texts[Math.floor(i)]!, { minLength: 10 });
    if (code === "und") continue;
    told++;
    counts.set(code, (counts.get(code) ?? 0) + 1);
  }
  return [...counts.entries()]
    .filter(([, n]) => n >= MIN_SHARE * told)
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .map(([code]) => iso6393To1[code] ?? code);
}
