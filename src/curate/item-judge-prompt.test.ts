import { describe, expect, it } from "vitest";
import { parseReply } from "../llm/structured/parse-reply.js";
import { ReplyValidationError } from "../errors.js";
import { itemJudgePrompt, itemJudgeSchema, itemScore } from "./item-judge-prompt.js";

describe("itemJudgePrompt", () => {
  it("shows the passage, the instruction and the answer each in its own tag, and asks for both scales", () => {
    const messages = itemJudgePrompt({ instruction: "Why is the sky blue?", output: "Rayleigh scattering.", passage: "Light scatters.\nMore text." });
    expect(messages.map((m) => m.role)).toEqual(["system", "user"]);
    const user = messages[1]!.content;
    expect(user.startsWith("<passage>\nLight scatters.\nMore text.\n</passage>\n<instruction>\nWhy is the sky blue?\n</instruction>\n<answer>\nRayleigh scattering.\n</answer>\n")).toBe(true);
    for (const words of ["groundedness", "usefulness", "1 to 10", "one line"]) expect(user).toContain(words);
    expect(user.endsWith('Reply as {"groundedness": 1 to 10, "usefulness": 1 to 10, "reason": "..."}.')).toBe(true);
  });

  it("is the same for the same item, so a cached verdict is found again", () => {
    const item = { instruction: "a", output: "b", passage: "c" };
    expect(itemJudgePrompt(item)).toEqual(itemJudgePrompt({ ...item }));
  });
});

describe("itemJudgeSchema", () => {
  it("reads a verdict, fenced or bare", () => {
    expect(parseReply('{"groundedness": 8, "usefulness": 6, "reason": "fine"}', itemJudgeSchema)).toEqual({ groundedness: 8, usefulness: 6, reason: "fine" });
    expect(parseReply('Here:\n```json\n{"groundedness": 1, "usefulness": 10, "reason": "x"}\n```', itemJudgeSchema).groundedness).toBe(1);
  });

  it("refuses scores off the 1-10 scale, fractions, and missing fields", () => {
    for (const reply of [
      '{"groundedness": 0, "usefulness": 6, "reason": "r"}',
      '{"groundedness": 11, "usefulness": 6, "reason": "r"}',
      '{"groundedness": 7, "usefulness": -1, "reason": "r"}',
      '{"groundedness": 7.5, "usefulness": 6, "reason": "r"}',
      '{"groundedness": "7", "usefulness": 6, "reason": "r"}',
      '{"groundedness": 7, "usefulness": 6}',
    ]) {
      expect(() => parseReply(reply, itemJudgeSchema), reply).toThrow(ReplyValidationError);
    }
  });
});

describe("itemScore", () => {
  it("is the lower of the two ratings: usefulness does not make up for an ungrounded answer", () => {
    expect(itemScore({ groundedness: 2, usefulness: 10 })).toBe(2);
    expect(itemScore({ groundedness: 9, usefulness: 4 })).toBe(4);
    expect(itemScore({ groundedness: 7, usefulness: 7 })).toBe(7);
  });
});
