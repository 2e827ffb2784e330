import { describe, expect, it } from "vitest";
import { buildTinyLlamaGguf, encodeGguf, TINY_VOCAB } from "./gguf-writer.js";

/** A small GGUF v3 reader, enough to check what the writer wrote. */
function readGguf(buffer: Buffer) {
  let at = 0;
  const u32 = () => ((at += 4), buffer.readUInt32LE(at - 4));
  const u64 = () => ((at += 8), Number(buffer.readBigUInt64LE(at - 8)));
  const str = () => {
    const length = u64();
    at += length;
    return buffer.toString("utf8", at - length, at);
  };
  const value = (type: number): unknown => {
    switch (type) {
      case 0: return buffer.readUInt8((at += 1) - 1);
      case 1: return buffer.readInt8((at += 1) - 1);
      case 4: return u32();
      case 5: return buffer.readInt32LE((at += 4) - 4);
      case 6: return buffer.readFloatLE((at += 4) - 4);
      case 7: return buffer.readUInt8((at += 1) - 1) !== 0;
      case 8: return str();
      case 9: {
        const itemType = u32();
        return Array.from({ length: u64() }, () => value(itemType));
      }
      case 10: return u64();
      default: throw new Error(`value type ${type} not read by this test`);
    }
  };
  const magic = buffer.toString("ascii", 0, 4);
  at = 4;
  const version = u32();
  const tensorCount = u64();
  const kvCount = u64();
  const metadata = new Map<string, unknown>();
  for (let i = 0; i < kvCount; i++) {
    const key = str();
    metadata.set(key, value(u32()));
  }
  const tensors = Array.from({ length: tensorCount }, () => {
    const name = str();
    const dims = Array.from({ length: u32() }, () => u64());
    return { name, dims, type: u32(), offset: u64() };
  });
  const alignment = (metadata.get("general.alignment") as number | undefined) ?? 32;
  const dataStart = Math.ceil(at / alignment) * alignment;
  return { magic, version, metadata, tensors, alignment, dataStart };
}

describe("GGUF writer", () => {
  it("writes a llama model with a byte-level vocabulary that reads back consistently", () => {
    const file = buildTinyLlamaGguf({ embeddingLength: 32, blockCount: 2 });
    const gguf = readGguf(file);
    expect(gguf.magic).toBe("GGUF");
    expect(gguf.version).toBe(3);
    expect(gguf.metadata.get("general.architecture")).toBe("llama");
    expect(gguf.metadata.get("llama.block_count")).toBe(2);
    const tokens = gguf.metadata.get("tokenizer.ggml.tokens") as string[];
    expect(tokens).toHaveLength(TINY_VOCAB.size);
    expect(tokens[TINY_VOCAB.firstByte + 0x41]).toBe("<0x41>");
    expect(gguf.metadata.get("tokenizer.ggml.bos_token_id")).toBe(TINY_VOCAB.bos);

    const names = gguf.tensors.map((t) => t.name);
    for (const name of ["token_embd.weight", "output_norm.weight", "output.weight", "blk.1.attn_q.weight", "blk.1.ffn_down.weight"]) expect(names).toContain(name);
    const embedding = gguf.tensors.find((t) => t.name === "token_embd.weight")!;
    expect(embedding.dims).toEqual([32, TINY_VOCAB.size]);

    // F32 tensors, each at an aligned offset, laid end to end up to the end of the file.
    let end = 0;
    for (const t of gguf.tensors) {
      expect(t.type).toBe(0);
      expect(t.offset % gguf.alignment).toBe(0);
      expect(t.offset).toBeGreaterThanOrEqual(end);
      end = t.offset + 4 * t.dims.reduce((a, b) => a * b, 1);
    }
    expect(file.length).toBe(gguf.dataStart + end);
  });

  it("is deterministic for a seed and differs between seeds", () => {
    expect(buildTinyLlamaGguf({ seed: 3 }).equals(buildTinyLlamaGguf({ seed: 3 }))).toBe(true);
    expect(buildTinyLlamaGguf({ seed: 3 }).equals(buildTinyLlamaGguf({ seed: 4 }))).toBe(false);
  });

  it("encodes typed metadata and arrays", () => {
    const gguf = readGguf(
      encodeGguf({
        metadata: [
          ["a.b", { type: "uint32", value: 7 }],
          ["c", { type: "string", value: "héllo" }],
          ["d", { type: "array", itemType: "int32", values: [-1, 2] }],
        ],
        tensors: [],
      }),
    );
    expect(gguf.metadata.get("a.b")).toBe(7);
    expect(gguf.metadata.get("c")).toBe("héllo");
    expect(gguf.metadata.get("d")).toEqual([-1, 2]);
  });
});
