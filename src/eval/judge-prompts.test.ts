import { describe, expect, it } from "vitest";
import { difficultyPrompt, difficultySchemaFor } from "./judge-prompts.js";

describe("difficultyPrompt", () => {
  it("keeps the default wording of prompt version 1, so cached verdicts still match", () => {
    const [, user] = difficultyPrompt("D", ["a"], ["b"]);
    expect(user!.content).toContain('do not let the length or the wording of the instructions decide. If the sets are equally hard, the verdict is a tie.\n<set_1>\n["a"]\n</set_1>');
    expect(user!.content.endsWith('Reply as {"reason": "...", "harder": "1" or "2" or "tie"}.')).toBe(true);
  });

  it("has a forced variant whose schema takes 1 or 2 only", () => {
    const [, user] = difficultyPrompt("D", ["a"], ["b"], "forced");
    expect(user!.content).toContain("There is no tie");
    const schema = difficultySchemaFor("forced").zod;
    expect(schema.safeParse({ reason: "", harder: "2" }).success).toBe(true);
    for (const harder of ["tie", "3", "", "1 or 2"]) expect(schema.safeParse({ reason: "", harder }).success).toBe(false);
    expect(difficultySchemaFor("ties").zod.safeParse({ reason: "", harder: "tie" }).success).toBe(true);
  });
});
