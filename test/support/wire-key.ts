import type { CompletionRequest } from "../../src/llm/port.js";
import { PROMPT_VERSION } from "../../src/method/prompts.js";
import { requestKey } from "../../src/store/cached-model.js";

/** The run store's key of a synthesis chat request, read back from the JSON body the engine sent. */
export function wireRequestKey(body: string): string {
  const b = JSON.parse(body) as Record<string, any>;
  const schema = b.response_format?.json_schema;
  const request: CompletionRequest = {
    messages: b.messages,
    sampling: {
      ...(b.temperature !== undefined ? { temperature: b.temperature } : {}),
      ...(b.top_p !== undefined ? { topP: b.top_p } : {}),
      ...(b.frequency_penalty !== undefined ? { frequencyPenalty: b.frequency_penalty } : {}),
      ...(b.max_tokens !== undefined ? { maxTokens: b.max_tokens } : {}),
      ...(b.seed !== undefined ? { seed: b.seed } : {}),
    },
    ...(schema ? { responseSchema: { name: schema.name, schema: schema.schema } } : {}),
  };
  return requestKey(PROMPT_VERSION, b.model, request);
}
