import { ConfigError } from "../../errors.js";

export const DEFAULT_HF_ENDPOINT = "https://huggingface.co/";

/** HF_ENDPOINT (then MODEL_ENDPOINT, as llama.cpp reads) with a trailing slash, else huggingface.co. */
export function huggingFaceEndpoint(env: NodeJS.ProcessEnv, required: true): string;
export function huggingFaceEndpoint(env: NodeJS.ProcessEnv, required: false): string | undefined;
export function huggingFaceEndpoint(env: NodeJS.ProcessEnv, required: boolean): string | undefined {
  const name = env.HF_ENDPOINT?.trim() ? "HF_ENDPOINT" : env.MODEL_ENDPOINT?.trim() ? "MODEL_ENDPOINT" : undefined;
  if (name === undefined) return DEFAULT_HF_ENDPOINT;
  const raw = (env[name] ?? "").trim();
  if (!/^https?:\/\//i.test(raw) || !URL.canParse(raw)) {
    if (required) throw new ConfigError(`${name} is not an http(s) URL: ${raw}`);
    return undefined;
  }
  return raw.endsWith("/") ? raw : `${raw}/`;
}
