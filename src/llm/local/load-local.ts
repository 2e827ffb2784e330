/**
 * The local engine for library users, loaded on first use: importing foveate does not load
 * llama.cpp (about 0.3 s) unless a local model is opened.
 */
import type { EmbeddingModel } from "../port.js";
import type { LocalEngine, LocalEngineOptions, LocalGpu } from "./local-engine.js";

/** Loads a GGUF file (see resolveModelFile for hf: and https: URIs) as a LanguageModel. */
export async function loadLocalEngine(options: LocalEngineOptions): Promise<LocalEngine> {
  return (await import("./local-engine.js")).openLocalEngine(options);
}

/** An embedding model from a GGUF file; call dispose() when done. */
export async function loadLocalEmbeddings(
  modelPath: string,
  options: { gpu?: LocalGpu; threads?: number; contextSize?: number } = {},
): Promise<EmbeddingModel & { dispose(): Promise<void> }> {
  const { loadLocalModel } = await import("./local-engine.js");
  const { createLocalEmbeddings } = await import("./local-embeddings.js");
  const { model, modelId, modelPath: file } = await loadLocalModel(modelPath, options);
  try {
    const embeddings = await createLocalEmbeddings(model, { modelId, description: `local model ${file}` }, options);
    return {
      ...embeddings,
      dispose: async () => {
        await embeddings.dispose();
        await model.dispose();
      },
    };
  } catch (error) {
    await model.dispose();
    throw error;
  }
}
