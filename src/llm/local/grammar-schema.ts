import type { GbnfJsonSchema } from "node-llama-cpp";

/**
 * Turns the JSON Schema made from a step's zod schema into the subset node-llama-cpp compiles to a
 * grammar. Pure. Two changes matter:
 * - every string gets a `maxLength` (at most `maxStringChars`): without one, a model that never
 *   closes its string (a small or confused model) is cut off by the token limit mid-JSON;
 * - `anyOf` becomes `oneOf`, and keywords a grammar cannot express (`pattern`, `required`, which
 *   node-llama-cpp implies for every property) are dropped; the reply is still validated by zod.
 */
export function grammarSchemaOf(schema: Record<string, unknown>, maxStringChars: number): GbnfJsonSchema {
  return convert(schema, maxStringChars) as GbnfJsonSchema;
}

type Json = Record<string, unknown>;

const COPIED = ["type", "const", "enum", "minItems", "maxItems", "minLength", "description", "minProperties", "maxProperties"];

/** The string formats node-llama-cpp's grammar knows; others are left to validation. */
const GRAMMAR_FORMATS = new Set<unknown>(["date-time", "time", "date"]);

function convert(node: unknown, cap: number): unknown {
  if (typeof node !== "object" || node === null || Array.isArray(node)) return node;
  const source = node as Json;
  const out: Json = {};
  for (const key of COPIED) if (source[key] !== undefined) out[key] = source[key];

  if (source.properties !== undefined) {
    out.properties = Object.fromEntries(Object.entries(source.properties as Json).map(([k, v]) => [k, convert(v, cap)]));
  }
  if (source.additionalProperties !== undefined) {
    out.additionalProperties = typeof source.additionalProperties === "boolean" ? source.additionalProperties : convert(source.additionalProperties, cap);
  }
  if (source.items !== undefined) out.items = convert(source.items, cap);
  if (Array.isArray(source.prefixItems)) out.prefixItems = source.prefixItems.map((item) => convert(item, cap));
  const alternatives = source.oneOf ?? source.anyOf;
  if (Array.isArray(alternatives)) out.oneOf = alternatives.map((item) => convert(item, cap));
  if (source.$defs !== undefined) {
    out.$defs = Object.fromEntries(Object.entries(source.$defs as Json).map(([k, v]) => [k, convert(v, cap)]));
  }
  if (typeof source.$ref === "string") out.$ref = source.$ref;

  const isString = source.type === "string" || (Array.isArray(source.type) && source.type.includes("string"));
  if (isString && GRAMMAR_FORMATS.has(source.format)) {
    out.format = source.format;
  } else if (isString) {
    const declared = typeof source.maxLength === "number" ? source.maxLength : Infinity;
    out.maxLength = Math.min(declared, cap);
  }
  return out;
}
