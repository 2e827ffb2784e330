import { ConfigError } from "../errors.js";
import type { EndpointSpec } from "./endpoint-spec.js";

/**
 * Refuses endpoints that name different models (an endpoint without a model name serves `runModel`):
 * replies are cached by the request, so a run spread over two models would mix them in one dataset.
 * `sameModel` says the names differ but serve the same model (one model served under local names).
 */
export function checkSameModel(endpoints: readonly EndpointSpec[], runModel: string, sameModel = false): void {
  if (sameModel) return;
  const [first, ...rest] = endpoints;
  if (!first) return;
  const firstModel = first.model ?? runModel;
  const other = rest.find((endpoint) => (endpoint.model ?? runModel) !== firstModel);
  if (!other) return;
  throw new ConfigError(
    `the endpoints name different models: "${firstModel}" at ${first.baseUrl} and "${other.model ?? runModel}" at ${other.baseUrl}; ` +
      `every endpoint must serve the same model (pass --same-model if these names do)`,
  );
}
