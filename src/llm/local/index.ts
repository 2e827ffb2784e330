/**
 * foveate/local: GGUF models in this process. Importing it loads no llama.cpp; opening a model does.
 */
export { loadLocalEngine, loadLocalEmbeddings } from "./load-local.js";
export type { LocalEngine, LocalEngineOptions, LocalEngineStats, LocalGpu } from "./local-engine.js";
export { resolveModelFile } from "./model-file.js";
export type { ResolveModelFileOptions } from "./model-file.js";
export { defaultModelCacheDir } from "./model-cache.js";
export type { DownloadEvents } from "./download-model.js";
