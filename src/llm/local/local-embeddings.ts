/**
 * Embeddings from a GGUF model in this process (an embedding model such as nomic-embed or bge, or
 * the chat model itself), behind the same EmbeddingModel port as the HTTP engine.
 */
import type { LlamaEmbeddingContext, LlamaModel } from "node-llama-cpp";
import { AbortedError, ConfigError } from "../../errors.js";
import type { EmbeddingModel } from "../port.js";

export interface LocalEmbeddingOptions {
  /** Tokens one text may have; longer texts are embedded from their beginning. Default: the model's, at most 8192. */
  contextSize?: number;
  threads?: number;
}

const DEFAULT_MAX_CONTEXT = 8192;

export async function createLocalEmbeddings(
  model: LlamaModel,
  identity: { modelId: string; description: string },
  options: LocalEmbeddingOptions = {},
): Promise<EmbeddingModel & { dispose(): Promise<void> }> {
  const contextSize = options.contextSize ?? Math.min(model.trainContextSize, DEFAULT_MAX_CONTEXT);
  let context: LlamaEmbeddingContext;
  try {
    context = await model.createEmbeddingContext({
      contextSize,
      ...(options.threads !== undefined ? { threads: options.threads } : {}),
    });
  } catch (error) {
    throw new ConfigError(`${identity.description} cannot make embeddings: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  // A few tokens of room for the ones llama.cpp adds (BOS, EOS).
  const limit = Math.max(1, contextSize - 4);

  return {
    modelId: identity.modelId,
    description: identity.description,
    async embed(texts, signal) {
      const vectors: Float32Array[] = [];
      for (const text of texts) {
        if (signal?.aborted) throw new AbortedError(`embedding by ${identity.description} was aborted`);
        // llama.cpp refuses an input longer than its context, so a long document is embedded from its start.
        const tokens = model.tokenize(text);
        const embedding = await context.getEmbeddingFor(tokens.length > limit ? tokens.slice(0, limit) : tokens);
        vectors.push(Float32Array.from(embedding.vector));
      }
      return vectors;
    },
    dispose: () => context.dispose(),
  };
}
