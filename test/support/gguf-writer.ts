/**
 * Minimal GGUF v3 writer for tests: builds tiny, random-weight llama models
 * that llama.cpp (and so node-llama-cpp) can load, without downloading anything.
 *
 * File layout (all integers little-endian):
 *
 *   header   magic "GGUF" (4 bytes), version u32 = 3,
 *            tensor_count u64, metadata_kv_count u64
 *   metadata metadata_kv_count times: key (string), value_type u32, value
 *            string = u64 byte length + UTF-8 bytes (no terminator)
 *            array  = item_type u32 + u64 count + items
 *   tensors  tensor_count times: name (string), n_dims u32, dims u64[n_dims],
 *            ggml_type u32, offset u64 (relative to the data section start,
 *            a multiple of the alignment)
 *   padding  zero bytes up to a multiple of `general.alignment` (32)
 *   data     the tensors' bytes, each starting at an aligned offset
 *
 * Dimensions are in ggml order, the reverse of PyTorch: dims[0] is the
 * fastest-moving one, so an embedding matrix of n_vocab rows of n_embd values
 * has dims [n_embd, n_vocab].
 */

/** GGUF metadata value type ids. */
const ValueType = {
  uint8: 0,
  int8: 1,
  uint16: 2,
  int16: 3,
  uint32: 4,
  int32: 5,
  float32: 6,
  bool: 7,
  string: 8,
  array: 9,
  uint64: 10,
  int64: 11,
  float64: 12,
} as const;

export type GgufScalarType = Exclude<keyof typeof ValueType, "array">;

export type GgufScalar =
  | { type: Exclude<GgufScalarType, "string" | "bool" | "uint64" | "int64">; value: number }
  | { type: "uint64" | "int64"; value: number | bigint }
  | { type: "bool"; value: boolean }
  | { type: "string"; value: string };

export type GgufValue =
  | GgufScalar
  | { type: "array"; itemType: GgufScalarType; values: readonly (number | bigint | boolean | string)[] };

export interface GgufTensor {
  name: string;
  /** ggml order: dims[0] is the fastest-moving dimension. */
  dims: readonly number[];
  /** F32 values; length must equal the product of dims. */
  data: Float32Array;
}

export interface GgufFile {
  /** Ordered key/value metadata; `general.alignment` is added if absent. */
  metadata: ReadonlyArray<readonly [string, GgufValue]>;
  tensors: readonly GgufTensor[];
}

const GGML_TYPE_F32 = 0;
const DEFAULT_ALIGNMENT = 32;

/** Growable little-endian byte sink. */
class ByteWriter {
  private buf = Buffer.alloc(1024);
  length = 0;

  private ensure(extra: number): void {
    if (this.length + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + extra) size *= 2;
    const next = Buffer.alloc(size);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  u8(v: number): void { this.ensure(1); this.buf.writeUInt8(v, this.length); this.length += 1; }
  i8(v: number): void { this.ensure(1); this.buf.writeInt8(v, this.length); this.length += 1; }
  u16(v: number): void { this.ensure(2); this.buf.writeUInt16LE(v, this.length); this.length += 2; }
  i16(v: number): void { this.ensure(2); this.buf.writeInt16LE(v, this.length); this.length += 2; }
  u32(v: number): void { this.ensure(4); this.buf.writeUInt32LE(v, this.length); this.length += 4; }
  i32(v: number): void { this.ensure(4); this.buf.writeInt32LE(v, this.length); this.length += 4; }
  f32(v: number): void { this.ensure(4); this.buf.writeFloatLE(v, this.length); this.length += 4; }
  f64(v: number): void { this.ensure(8); this.buf.writeDoubleLE(v, this.length); this.length += 8; }
  u64(v: number | bigint): void { this.ensure(8); this.buf.writeBigUInt64LE(BigInt(v), this.length); this.length += 8; }
  i64(v: number | bigint): void { this.ensure(8); this.buf.writeBigInt64LE(BigInt(v), this.length); this.length += 8; }

  bytes(b: Uint8Array): void { this.ensure(b.length); this.buf.set(b, this.length); this.length += b.length; }

  string(s: string): void {
    const b = Buffer.from(s, "utf8");
    this.u64(b.length);
    this.bytes(b);
  }

  padTo(alignment: number): void {
    const pad = (alignment - (this.length % alignment)) % alignment;
    this.ensure(pad);
    this.buf.fill(0, this.length, this.length + pad);
    this.length += pad;
  }

  result(): Buffer { return this.buf.subarray(0, this.length); }
}

function writeScalar(w: ByteWriter, type: GgufScalarType, value: number | bigint | boolean | string): void {
  switch (type) {
    case "uint8": w.u8(Number(value)); break;
    case "int8": w.i8(Number(value)); break;
    case "uint16": w.u16(Number(value)); break;
    case "int16": w.i16(Number(value)); break;
    case "uint32": w.u32(Number(value)); break;
    case "int32": w.i32(Number(value)); break;
    case "float32": w.f32(Number(value)); break;
    case "float64": w.f64(Number(value)); break;
    case "uint64": w.u64(typeof value === "bigint" ? value : Number(value)); break;
    case "int64": w.i64(typeof value === "bigint" ? value : Number(value)); break;
    case "bool": w.u8(value ? 1 : 0); break;
    case "string": w.string(String(value)); break;
  }
}

/** Serialises a GGUF v3 file with F32 tensors. */
export function encodeGguf(file: GgufFile): Buffer {
  for (const t of file.tensors) {
    const count = t.dims.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) {
      throw new Error(`tensor ${t.name}: dims ${t.dims.join("x")} need ${count} values, got ${t.data.length}`);
    }
  }
  const { w, offsets, dataStart } = writeHeader(file.metadata, file.tensors.map((t) => ({ name: t.name, dims: t.dims })));
  const alignment = w.alignment;
  file.tensors.forEach((t, i) => {
    const at = dataStart + (offsets[i] ?? 0);
    while (w.length < at) w.u8(0);
    w.bytes(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  });
  w.padTo(alignment);
  return w.result();
}

/**
 * Only the header of a GGUF file whose tensors are declared but not written, and the size the
 * whole file would have: extending the header to that size with zeros (a sparse file) makes a
 * model of any size at no cost in disk, for tests of models too large to load.
 */
export function encodeGgufHeader(file: { metadata: GgufFile["metadata"]; tensors: ReadonlyArray<{ name: string; dims: readonly number[] }> }): {
  header: Buffer;
  fileSize: number;
} {
  const { w, dataStart, dataSize } = writeHeader(file.metadata, file.tensors);
  return { header: w.result(), fileSize: dataStart + dataSize };
}

function writeHeader(
  metadataIn: GgufFile["metadata"],
  tensors: ReadonlyArray<{ name: string; dims: readonly number[] }>,
): { w: ByteWriter & { alignment: number }; offsets: number[]; dataStart: number; dataSize: number } {
  const file = { metadata: metadataIn, tensors };
  const metadata = [...file.metadata];
  const alignEntry = metadata.find(([key]) => key === "general.alignment");
  if (!alignEntry) metadata.push(["general.alignment", { type: "uint32", value: DEFAULT_ALIGNMENT }]);
  const alignment = alignEntry ? Number(alignEntry[1].type === "array" ? NaN : alignEntry[1].value) : DEFAULT_ALIGNMENT;
  if (!Number.isInteger(alignment) || alignment <= 0 || alignment % 8 !== 0) {
    throw new Error(`general.alignment must be a positive multiple of 8, got ${alignment}`);
  }

  const w = new ByteWriter();
  w.bytes(Buffer.from("GGUF", "ascii"));
  w.u32(3);
  w.u64(file.tensors.length);
  w.u64(metadata.length);

  for (const [key, value] of metadata) {
    w.string(key);
    w.u32(ValueType[value.type]);
    if (value.type === "array") {
      w.u32(ValueType[value.itemType]);
      w.u64(value.values.length);
      for (const item of value.values) writeScalar(w, value.itemType, item);
    } else {
      writeScalar(w, value.type, value.value);
    }
  }

  let offset = 0;
  const offsets: number[] = [];
  for (const t of file.tensors) {
    w.string(t.name);
    w.u32(t.dims.length);
    for (const d of t.dims) w.u64(d);
    w.u32(GGML_TYPE_F32);
    w.u64(offset);
    offsets.push(offset);
    offset += t.dims.reduce((a, b) => a * b, 1) * 4;
    offset += (alignment - (offset % alignment)) % alignment;
  }

  w.padTo(alignment);
  return { w: Object.assign(w, { alignment }), offsets, dataStart: w.length, dataSize: offset };
}

/** Small deterministic PRNG (mulberry32), returns floats in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface TinyLlamaOptions {
  /** Hidden size; must be divisible by headCount. Default 32. */
  embeddingLength?: number;
  /** Number of transformer blocks. Default 1. */
  blockCount?: number;
  /** Attention heads (and KV heads). Default 4. */
  headCount?: number;
  /** FFN hidden size. Default 64. */
  feedForwardLength?: number;
  /** Training context length written to the metadata. Default 256. */
  contextLength?: number;
  /** Seed for the random weights. Default 1. */
  seed?: number;
  /** Standard deviation-ish scale of the random weights. Default 0.1. */
  scale?: number;
  /** Written as general.name. Default "tiny-random-llama". */
  name?: string;
  /**
   * Words to add to the vocabulary (as "▁word" and every prefix of it, so SentencePiece's merges
   * can reach it): text made of them takes a few characters per token instead of one, which makes
   * long prompts several times cheaper to evaluate. Default: none.
   */
  words?: readonly string[];
  /**
   * Words (added to the vocabulary like `words`) whose token "▁word" gets a higher logit wherever
   * the model writes, by about this many nats, e.g. { true: 4 }. A random model otherwise gives
   * some contexts a strong lean one way: every answer of a document "answerable": false, say.
   * The lift rides on one hidden dimension that every token embedding holds constant.
   */
  favour?: Readonly<Record<string, number>>;
}

/** Token ids of the byte-level SentencePiece-style vocabulary. */
export const TINY_VOCAB = {
  unk: 0,
  bos: 1,
  eos: 2,
  /** Byte b is token firstByte + b (tokens "<0x00>".."<0xFF>"). */
  firstByte: 3,
  /** "\u2581", the SentencePiece space marker, decoded as " ". */
  space: 259,
  /** Without `words`; each word adds its pieces after these. */
  size: 260,
} as const;

/**
 * Builds a random-weight llama-architecture GGUF with a byte-level
 * SentencePiece ("llama") vocabulary: <unk>, <s>, </s>, then 256 byte tokens
 * "<0x00>".."<0xFF>" (token type 6 = byte), then "▁" (the space marker), so
 * any UTF-8 text tokenizes as its bytes, spaces as "▁". No chat template is
 * included.
 */
export function buildTinyLlamaGguf(options: TinyLlamaOptions = {}): Buffer {
  const { metadata, tensors } = tinyLlamaLayout(options);
  return encodeGguf({ metadata, tensors: tensors.map((t) => ({ name: t.name, dims: t.dims, data: t.values() })) });
}

/**
 * The header of a llama model like the tiny one but of any size, and the size of its whole file
 * (see encodeGgufHeader): e.g. { embeddingLength: 65536 } declares tens of gigabytes of weights.
 */
export function llamaGgufHeader(options: TinyLlamaOptions = {}): { header: Buffer; fileSize: number } {
  const { metadata, tensors } = tinyLlamaLayout(options);
  return encodeGgufHeader({ metadata, tensors });
}

function tinyLlamaLayout(options: TinyLlamaOptions): {
  metadata: Array<readonly [string, GgufValue]>;
  tensors: Array<{ name: string; dims: number[]; values: () => Float32Array }>;
} {
  const nEmbd = options.embeddingLength ?? 32;
  const nLayer = options.blockCount ?? 1;
  const nHead = options.headCount ?? 4;
  const nFf = options.feedForwardLength ?? 64;
  const nCtx = options.contextLength ?? 256;
  const scale = options.scale ?? 0.1;
  if (nEmbd % nHead !== 0) throw new Error("embeddingLength must be divisible by headCount");
  const headDim = nEmbd / nHead;

  const rand = mulberry32(options.seed ?? 1);

  const random = (n: number): Float32Array => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = (rand() * 2 - 1) * scale;
    return a;
  };
  const ones = (n: number): Float32Array => new Float32Array(n).fill(1);

  const tokens: string[] = ["<unk>", "<s>", "</s>"];
  const types: number[] = [2, 3, 3]; // unknown, control, control
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`);
    types.push(6); // byte
  }
  // Without a normal "▁" token, spaces would tokenize as the three UTF-8
  // bytes of "▁" and detokenize as "▁" instead of " " (node-llama-cpp then
  // warns that tokenize/detokenize does not round-trip).
  tokens.push("\u2581");
  types.push(1); // normal
  const scores = tokens.map(() => 0);
  // Longer pieces score higher, so a merge towards a whole word wins over a shorter one.
  const pieces = new Set<string>();
  const favour = options.favour ?? {};
  for (const word of [...(options.words ?? []), ...Object.keys(favour)]) {
    const marked = `\u2581${word}`;
    for (let end = 2; end <= marked.length; end++) pieces.add(marked.slice(0, end));
  }
  for (const piece of pieces) {
    tokens.push(piece);
    types.push(1);
    scores.push(piece.length);
  }
  const nVocab = tokens.length;

  const metadata: Array<readonly [string, GgufValue]> = [
    ["general.architecture", { type: "string", value: "llama" }],
    ["general.name", { type: "string", value: options.name ?? "tiny-random-llama" }],
    ["general.file_type", { type: "uint32", value: 0 }], // all F32
    ["general.alignment", { type: "uint32", value: DEFAULT_ALIGNMENT }],
    ["llama.vocab_size", { type: "uint32", value: nVocab }],
    ["llama.context_length", { type: "uint32", value: nCtx }],
    ["llama.embedding_length", { type: "uint32", value: nEmbd }],
    ["llama.block_count", { type: "uint32", value: nLayer }],
    ["llama.feed_forward_length", { type: "uint32", value: nFf }],
    ["llama.attention.head_count", { type: "uint32", value: nHead }],
    ["llama.attention.head_count_kv", { type: "uint32", value: nHead }],
    ["llama.rope.dimension_count", { type: "uint32", value: headDim }],
    ["llama.rope.freq_base", { type: "float32", value: 10000 }],
    ["llama.attention.layer_norm_rms_epsilon", { type: "float32", value: 1e-5 }],
    ["tokenizer.ggml.model", { type: "string", value: "llama" }],
    ["tokenizer.ggml.tokens", { type: "array", itemType: "string", values: tokens }],
    ["tokenizer.ggml.scores", { type: "array", itemType: "float32", values: scores }],
    ["tokenizer.ggml.token_type", { type: "array", itemType: "int32", values: types }],
    ["tokenizer.ggml.unknown_token_id", { type: "uint32", value: TINY_VOCAB.unk }],
    ["tokenizer.ggml.bos_token_id", { type: "uint32", value: TINY_VOCAB.bos }],
    ["tokenizer.ggml.eos_token_id", { type: "uint32", value: TINY_VOCAB.eos }],
    ["tokenizer.ggml.add_bos_token", { type: "bool", value: true }],
    ["tokenizer.ggml.add_eos_token", { type: "bool", value: false }],
  ];

  const lifts = Object.entries(favour).map(([word, nats]) => ({ id: tokens.indexOf(`\u2581${word}`), nats }));
  // Every embedding's first dimension is 1, far above the others (about scale / 2), so after the
  // final RMS norm the first dimension is about 1 / rms and the logit of a token rises by its
  // output weight there times that.
  const rmsWithLift = Math.sqrt((1 + (nEmbd - 1) * (scale * scale) / 3) / nEmbd);
  const tokenEmbeddings = (): Float32Array => {
    const values = random(nEmbd * nVocab);
    if (lifts.length > 0) for (let t = 0; t < nVocab; t++) values[t * nEmbd] = 1;
    return values;
  };
  const outputWeights = (): Float32Array => {
    const values = random(nEmbd * nVocab);
    for (const { id, nats } of lifts) values[id * nEmbd] = nats * rmsWithLift;
    return values;
  };

  // Values are made when asked for, in this order, so a header alone costs nothing.
  const tensors = [
    { name: "token_embd.weight", dims: [nEmbd, nVocab], values: tokenEmbeddings },
    { name: "output_norm.weight", dims: [nEmbd], values: () => ones(nEmbd) },
    { name: "output.weight", dims: [nEmbd, nVocab], values: outputWeights },
  ];
  for (let i = 0; i < nLayer; i++) {
    const p = `blk.${i}.`;
    tensors.push(
      { name: `${p}attn_norm.weight`, dims: [nEmbd], values: () => ones(nEmbd) },
      { name: `${p}attn_q.weight`, dims: [nEmbd, nEmbd], values: () => random(nEmbd * nEmbd) },
      { name: `${p}attn_k.weight`, dims: [nEmbd, nEmbd], values: () => random(nEmbd * nEmbd) },
      { name: `${p}attn_v.weight`, dims: [nEmbd, nEmbd], values: () => random(nEmbd * nEmbd) },
      { name: `${p}attn_output.weight`, dims: [nEmbd, nEmbd], values: () => random(nEmbd * nEmbd) },
      { name: `${p}ffn_norm.weight`, dims: [nEmbd], values: () => ones(nEmbd) },
      { name: `${p}ffn_gate.weight`, dims: [nEmbd, nFf], values: () => random(nEmbd * nFf) },
      { name: `${p}ffn_up.weight`, dims: [nEmbd, nFf], values: () => random(nEmbd * nFf) },
      { name: `${p}ffn_down.weight`, dims: [nFf, nEmbd], values: () => random(nFf * nEmbd) },
    );
  }

  return { metadata, tensors };
}
