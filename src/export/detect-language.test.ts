import { describe, expect, it } from "vitest";
import { detectLanguages } from "./detect-language.js";

const english = [
  "What does the report say about the rainfall in the northern valleys during the last decade?\nIt says that the rainfall fell by a tenth, which the farmers felt in their harvests.",
  "Explain why the committee decided to postpone the vote on the new budget until the spring.\nThe committee wanted more time to study the costs of the proposed bridge.",
];
const french = [
  "Que dit le rapport sur les pluies dans les vallées du nord au cours de la dernière décennie ?\nIl dit que les pluies ont baissé d'un dixième, ce que les agriculteurs ont ressenti dans leurs récoltes.",
  "Expliquez pourquoi le comité a décidé de reporter le vote sur le nouveau budget jusqu'au printemps.\nLe comité voulait plus de temps pour étudier le coût du pont proposé.",
];
const german = [
  "Was sagt der Bericht über die Niederschläge in den nördlichen Tälern während des letzten Jahrzehnts?\nEr sagt, dass die Niederschläge um ein Zehntel zurückgegangen sind, was die Bauern an ihren Ernten gemerkt haben.",
];

const times = (texts: string[], n: number) => Array.from({ length: n }, (_, i) => texts[i % texts.length]!);

describe("detectLanguages", () => {
  it("tells English and another language apart, as ISO 639-1 codes", () => {
    expect(detectLanguages(times(english, 50))).toEqual(["en"]);
    expect(detectLanguages(times(french, 50))).toEqual(["fr"]);
    expect(detectLanguages(times(german, 50))).toEqual(["de"]);
  });

  it("lists each language of at least 5% of the items, most frequent first, and skips what it cannot tell", () => {
    const mixed = [...times(english, 70), ...times(french, 27), ...times(german, 3), "??", "1 2 3", ""];
    expect(detectLanguages(mixed)).toEqual(["en", "fr"]);
    expect(detectLanguages(["", "?!"])).toEqual([]);
  });

  it("samples a large dataset evenly, seeing a language that is only in its second half", () => {
    expect(detectLanguages([...times(english, 5000), ...times(french, 5000)])).toEqual(["en", "fr"]);
  });
});
