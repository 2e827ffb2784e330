import { describe, expect, it } from "vitest";
import { z } from "zod";
import { grammarSchemaOf } from "./grammar-schema.js";

describe("grammarSchemaOf", () => {
  it("caps every string, keeps array bounds and drops what a grammar cannot express", () => {
    const { $schema: _, ...json } = z.toJSONSchema(
      z.object({ items: z.array(z.string().min(1).max(50)).min(1).max(3), note: z.string().regex(/a/), flag: z.boolean() }),
    ) as Record<string, unknown>;
    expect(grammarSchemaOf(json, 40)).toEqual({
      type: "object",
      properties: {
        items: { type: "array", minItems: 1, maxItems: 3, items: { type: "string", minLength: 1, maxLength: 40 } },
        note: { type: "string", maxLength: 40 },
        flag: { type: "boolean" },
      },
      additionalProperties: false,
    });
  });

  it("turns anyOf into oneOf and keeps a shorter declared maxLength", () => {
    expect(grammarSchemaOf({ anyOf: [{ type: "string", maxLength: 5 }, { type: "null" }] }, 100)).toEqual({
      oneOf: [{ type: "string", maxLength: 5 }, { type: "null" }],
    });
  });
});
