import { ConfigError } from "../errors.js";
import { seededRandom } from "../random.js";

/** One part of a split: its name (the Hub's split name) and the share of items it should get. */
export interface SplitPart {
  name: string;
  fraction: number;
}

/** The split of a dataset exported without --split: all of it in "train". */
export const WHOLE_TRAIN: readonly SplitPart[] = [{ name: "train", fraction: 1 }];

const NAME = /^[a-z0-9_]+$/;

/**
 * Reads `train=0.9,test=0.1`: names of lower-case letters, digits and "_", each once, fractions
 * above 0 that sum to 1 (within 1e-6, so that thirds written to six places pass).
 */
export function parseSplit(text: string): SplitPart[] {
  const label = `--split ${JSON.stringify(text)}`;
  const parts: SplitPart[] = [];
  for (const piece of text.split(",")) {
    const match = /^\s*([^=\s]*)\s*=\s*(\S*)\s*$/.exec(piece);
    if (!match) throw new ConfigError(`${label}: expected NAME=FRACTION pairs separated by commas, e.g. train=0.9,test=0.1`);
    const [, name, value] = match as unknown as [string, string, string];
    if (!NAME.test(name)) throw new ConfigError(`${label}: the part name "${name}" may hold only a-z, 0-9 and _`);
    if (parts.some((p) => p.name === name)) throw new ConfigError(`${label}: the part "${name}" is named twice`);
    const fraction = Number(value);
    if (value === "" || !Number.isFinite(fraction) || fraction <= 0 || fraction > 1) {
      throw new ConfigError(`${label}: the fraction of "${name}" must be a number above 0 and at most 1, got "${value}"`);
    }
    parts.push({ name, fraction });
  }
  const sum = parts.reduce((s, p) => s + p.fraction, 0);
  if (Math.abs(sum - 1) > 1e-6) throw new ConfigError(`${label}: the fractions sum to ${Number(sum.toFixed(6))}, not 1`);
  return parts;
}

/**
 * Which part each document goes to. Documents (a source_id with its item count, chunks of one
 * document sharing it) are shuffled with the seed, then laid end to end by item count; a document
 * goes to the part whose stretch of the cumulative fractions holds its middle item. So each part's
 * share of items is close to its fraction (off by at most about half a document at each cut),
 * and no document is in two parts. A part left with no document is refused, naming it.
 */
export function splitByDocument(itemsPerDocument: ReadonlyMap<string, number>, parts: readonly SplitPart[], seed = 0): Map<string, string> {
  const documents = seededRandom("hf-split", seed).shuffle([...itemsPerDocument.keys()].sort());
  const total = [...itemsPerDocument.values()].reduce((s, n) => s + n, 0);
  const ends: number[] = [];
  let cumulative = 0;
  for (const part of parts) ends.push((cumulative += part.fraction) * total);
  ends[ends.length - 1] = Infinity;
  const assigned = new Map<string, string>();
  const used = new Set<string>();
  let before = 0;
  for (const doc of documents) {
    const count = itemsPerDocument.get(doc)!;
    const middle = before + count / 2;
    const part = parts[ends.findIndex((end) => middle < end)]!;
    assigned.set(doc, part.name);
    used.add(part.name);
    before += count;
  }
  const empty = parts.find((p) => !used.has(p.name));
  if (empty) {
    const n = itemsPerDocument.size;
    throw new ConfigError(
      `--split: the part "${empty.name}" (${empty.fraction}) would get no item: the dataset has ${n} document${n === 1 ? "" : "s"} (${total} items) and a document's items stay in one part; give fewer parts or a larger fraction`,
    );
  }
  return assigned;
}
