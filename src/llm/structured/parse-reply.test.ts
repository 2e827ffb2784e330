import { describe, expect, it } from "vitest";
import { ReplyParseError, ReplyValidationError, UnusableReplyError } from "../../errors.js";
import { answerSchema, instructionsSchema, microElementsSchema, resynthesisSchema } from "../../method/schemas.js";
import { parseReply } from "./parse-reply.js";

describe("parseReply", () => {
  it("validates JSON against the step's schema", () => {
    expect(parseReply('{"elements": ["a", "b"]}', microElementsSchema(3))).toEqual({ elements: ["a", "b"] });
  });

  it("rejects a wrong-length list with a message naming the step", () => {
    expect(() => parseReply('{"instructions": ["a"]}', instructionsSchema("micro_instructions", 2))).toThrow(/invalid micro_instructions reply/);
    expect(() => parseReply('{"elements": ["a", "b", "c", "d"]}', microElementsSchema(3))).toThrow(ReplyValidationError);
  });

  it("wraps a bare array in the schema's one field", () => {
    expect(parseReply('["q1", "q2"]', instructionsSchema("macro_instructions", 2))).toEqual({ instructions: ["q1", "q2"] });
  });

  it("reads a numbered list when the server ignored the schema", () => {
    expect(parseReply("1. What year?\n2. Who built it?", instructionsSchema("micro_instructions", 2))).toEqual({
      instructions: ["What year?", "Who built it?"],
    });
  });

  it("reads a prose answer, and UNANSWERABLE as a refusal", () => {
    expect(parseReply("The bridge opened in 1911.", answerSchema)).toEqual({ answerable: true, answer: "The bridge opened in 1911." });
    expect(parseReply("UNANSWERABLE", answerSchema).answerable).toBe(false);
    expect(parseReply('{"answerable": false, "answer": ""}', answerSchema).answerable).toBe(false);
  });

  it("keeps the raw text of a reply it cannot use", () => {
    try {
      parseReply('{"instruction": ', resynthesisSchema);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ReplyParseError);
      expect((error as ReplyParseError).rawText).toBe('{"instruction": ');
    }
  });

  it("tells text that is not JSON from JSON that fails the schema, both keeping the raw text and the usage", () => {
    const usage = { promptTokens: 12, completionTokens: 3, cachedPromptTokens: 0 };
    const caught = (text: string) => {
      try {
        parseReply(text, microElementsSchema(3), usage);
      } catch (error) {
        return error as UnusableReplyError;
      }
      throw new Error(`parsed ${text}`);
    };
    const notJson = caught("```json\n{\"elements\": [");
    expect(notJson).toBeInstanceOf(ReplyParseError);
    expect(notJson).not.toBeInstanceOf(ReplyValidationError);
    expect([notJson.rawText, notJson.usage]).toEqual(["```json\n{\"elements\": [", usage]);
    const invalid = caught('{"elements": []}');
    expect(invalid).toBeInstanceOf(ReplyValidationError);
    expect(invalid).not.toBeInstanceOf(ReplyParseError);
    expect(invalid).toBeInstanceOf(UnusableReplyError);
    expect([invalid.rawText, invalid.usage]).toEqual(['{"elements": []}', usage]);
    expect(caught("1. a\n2. b\n3. c\n4. d")).toBeInstanceOf(ReplyValidationError);
  });

  it("rejects empty strings inside lists", () => {
    expect(() => parseReply('{"elements": ["a", "  "]}', microElementsSchema(3))).toThrow(ReplyValidationError);
  });
});

describe("cut-off JSON is never read as prose", () => {
  it("rejects a truncated answer or instruction instead of keeping the fragment", () => {
    expect(() => parseReply('{"answerable": true, "answer": "The bridge', answerSchema)).toThrow(ReplyParseError);
    expect(() => parseReply('```json\n{"instruction": "Why', resynthesisSchema)).toThrow(ReplyParseError);
  });
});
