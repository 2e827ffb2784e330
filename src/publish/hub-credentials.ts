import { ConfigError } from "../errors.js";
import { huggingFaceEndpoint } from "../llm/local/hub-endpoint.js";
import { huggingFaceToken } from "../llm/local/hub-token.js";

export interface HubCredentials {
  token: string;
  /** The Hub's base URL, with a trailing slash: HF_ENDPOINT, else huggingface.co. */
  hubUrl: string;
}

/**
 * The token and Hub a push uses, from the environment as the Hub's own tools read it: HF_TOKEN,
 * else the file `huggingface-cli login` writes. ConfigError when there is none, or when it is not a
 * Hub access token (they start with hf_), which the Hub client would refuse with a less clear message.
 */
export async function hubCredentials(env: NodeJS.ProcessEnv): Promise<HubCredentials> {
  const hubUrl = huggingFaceEndpoint(env, true);
  const token = await huggingFaceToken(env);
  if (token === undefined) {
    throw new ConfigError(
      `no Hugging Face token: make one with write access at ${hubUrl}settings/tokens and set HF_TOKEN to it, or run huggingface-cli login`,
    );
  }
  if (!token.startsWith("hf_")) {
    const where = env.HF_TOKEN?.trim() ? "HF_TOKEN" : "the token file of huggingface-cli login";
    throw new ConfigError(`${where} does not hold a Hugging Face access token (they start with hf_); make one at ${hubUrl}settings/tokens`);
  }
  return { token, hubUrl };
}
