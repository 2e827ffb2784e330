import { describe, expect, it } from "vitest";
import { reproducesSentence } from "./reproduces-sentence.js";

const SENTENCE = 'When the bridge opened, a local newspaper called it "a spider\'s web that carries locomotives".';

describe("reproducesSentence", () => {
  it("flags the whole sentence, however it is punctuated", () => {
    expect(reproducesSentence(`Explain: "${SENTENCE}"`, SENTENCE)).toBe(true);
    expect(reproducesSentence("Explain: when the bridge opened — a local newspaper called it a spider’s web that carries locomotives", SENTENCE)).toBe(true);
  });

  it("flags most of its words in order", () => {
    expect(reproducesSentence("Why, when the bridge opened, did a newspaper call it a spider's web carrying locomotives?", SENTENCE)).toBe(true);
  });

  it("lets an instruction grounded in the sentence stand", () => {
    expect(reproducesSentence("Why did a local newspaper compare the new bridge to a spider's web?", SENTENCE)).toBe(false);
    expect(reproducesSentence("What does the comparison with a web say about how the bridge looked?", SENTENCE)).toBe(false);
  });

  it("takes a short sentence as reproduced only when it is there whole", () => {
    expect(reproducesSentence("It rained all day: what did that do to the harvest?", "It rained all day.")).toBe(true);
    expect(reproducesSentence("What did a day of rain do to the harvest?", "It rained all day.")).toBe(false);
  });

  it("compares Chinese sentences character by character", () => {
    const zh = "长城不仅是一道城墙，更是一个民族坚韧精神的象征。";
    expect(reproducesSentence(`请解释：“${zh}”`, zh)).toBe(true);
    expect(reproducesSentence("为什么说长城不仅是城墙，更是民族坚韧精神的象征？", zh)).toBe(true);
    expect(reproducesSentence("长城为什么被看作一种精神的象征？", zh)).toBe(false);
  });
});
