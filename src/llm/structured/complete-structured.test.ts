import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ScriptedModel } from "../../../test/support/scripted-model.js";
import { ReplyParseError, ReplyValidationError } from "../../errors.js";
import { completeStructured } from "./complete-structured.js";
import type { StepSchema } from "./parse-reply.js";

const elements: StepSchema<{ elements: string[] }> = { name: "micro_elements", zod: z.object({ elements: z.array(z.string()).min(1).max(3) }) };

const usage = { promptTokens: 40, completionTokens: 7, cachedPromptTokens: 8 };
const call = { messages: [{ role: "user" as const, content: "elements please" }], sampling: {}, schema: elements };

describe("completeStructured", () => {
  it("gives the value with the reply it came from", async () => {
    const model = new ScriptedModel(() => ({ elements: ["a"] }), usage);
    const result = await completeStructured(model, call, { maxReasks: 0 });
    expect(result).toEqual({ value: { elements: ["a"] }, reply: { text: '{"elements":["a"]}', usage }, invalidReplies: 0 });
  });

  it("throws, after its re-asks, a parse or a validation error with the last reply's text and usage", async () => {
    const notJson = new ScriptedModel((c) => (c.reask ? '{"elements": ["cut' : "```json\n{"), usage);
    const parse = await completeStructured(notJson, call, { maxReasks: 1 }).catch((e: unknown) => e);
    expect(parse).toBeInstanceOf(ReplyParseError);
    expect(parse).toMatchObject({ rawText: '{"elements": ["cut', usage });
    expect(notJson.calls).toHaveLength(2);

    const failsCheck = new ScriptedModel(() => ({ elements: ["a", "b"] }), usage);
    const invalid = await completeStructured(failsCheck, { ...call, check: () => "too many" }, { maxReasks: 0 }).catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(ReplyValidationError);
    expect(invalid).toMatchObject({ rawText: '{"elements":["a","b"]}', usage, message: "invalid micro_elements reply: too many" });
  });
});
