import { ConfigError, DEFAULT_API_MODEL, type SynthesisJobOptions } from "../index.js";
import { checkSameModel } from "../llm/check-same-model.js";
import { isLocalModelSpec } from "../llm/engine-choice.js";
import type { EndpointSpec } from "../llm/endpoint-spec.js";
import { endpointIdentity, isHttpUrl, parseEndpoints } from "../llm/endpoints-file.js";

/** The flags of `foveate synth` that say where the model is. */
export interface EndpointFlags {
  baseUrl?: string[] | undefined;
  apiKey?: string[] | undefined;
  /** The endpoints file's path; its text is given beside. */
  endpoints?: string | undefined;
  sameModel?: boolean | undefined;
  engine?: "auto" | "api" | "local" | undefined;
  model?: string | undefined;
  rpm?: number | undefined;
  tpm?: number | undefined;
  concurrency?: number | undefined;
}

export type EndpointJobOptions = Pick<SynthesisJobOptions, "baseUrl" | "apiKey" | "endpoints" | "engine" | "model" | "sameModel">;

const times = (n: number) => (n === 1 ? "once" : `${n} times`);

/**
 * The job's endpoint options from synth's flags: one --base-url (or none) stays `baseUrl` and
 * `apiKey`, as it always was; several --base-url, or an endpoints file (`endpointsText`, read from
 * `flags.endpoints`), become `endpoints`, with --api-key, --model, --rpm, --tpm and --concurrency
 * applying to each endpoint that does not set its own. Without --model, the run's model is the first
 * one an endpoint names. Every inconsistency is one ConfigError.
 */
export function endpointOptions(flags: EndpointFlags, env: NodeJS.ProcessEnv, endpointsText?: string): EndpointJobOptions {
  const urls = flags.baseUrl ?? [];
  const keys = flags.apiKey ?? [];
  const perEndpoint = {
    ...(flags.model !== undefined ? { model: flags.model } : {}),
    ...(flags.rpm !== undefined ? { rpm: flags.rpm } : {}),
    ...(flags.tpm !== undefined ? { tpm: flags.tpm } : {}),
    ...(flags.concurrency !== undefined ? { concurrency: flags.concurrency } : {}),
  };
  let endpoints: EndpointSpec[];
  if (flags.endpoints !== undefined) {
    if (urls.length > 0) throw new ConfigError("--endpoints and --base-url both given: put every endpoint in the file");
    if (keys.length > 1) throw new ConfigError(`--api-key given ${times(keys.length)} with --endpoints: give it once (the key of the lines without one), or put each key in the file`);
    endpoints = parseEndpoints(endpointsText ?? "", flags.endpoints, env, { ...(keys[0] !== undefined ? { apiKey: keys[0] } : {}), ...perEndpoint });
  } else {
    const endpointCount = Math.max(1, urls.length);
    if (keys.length > 1 && keys.length !== endpointCount) {
      throw new ConfigError(`--api-key given ${times(keys.length)} and --base-url ${times(urls.length)}: give one key for all, or one per --base-url, in order`);
    }
    if (urls.length <= 1) return { ...(urls[0] !== undefined ? { baseUrl: urls[0] } : {}), ...(keys[0] !== undefined ? { apiKey: keys[0] } : {}) };
    // One URL is checked where the engine opens it, as it always was; several are checked before any is used.
    const bad = urls.find((url) => !isHttpUrl(url));
    if (bad !== undefined) throw new ConfigError(`base URL "${bad}" is not an http(s) URL; give one like http://localhost:8000/v1`);
    endpoints = urls.map((baseUrl, i) => {
      const apiKey = keys.length === 1 ? keys[0] : keys[i];
      return { baseUrl, ...(apiKey !== undefined ? { apiKey } : {}), ...perEndpoint };
    });
    const identities = endpoints.map(endpointIdentity);
    const twice = identities.findIndex((identity, i) => identities.indexOf(identity) !== i);
    if (twice >= 0) throw new ConfigError(`--base-url ${urls[twice]} given twice${keys.length > 1 ? " with the same --api-key" : ""}: each endpoint once`);
  }

  const given = flags.endpoints !== undefined ? `--endpoints ${flags.endpoints}` : `${urls.length} --base-url`;
  if (flags.engine === "local") throw new ConfigError(`--engine local runs one model in this process; ${given} need --engine api`);
  if (flags.model !== undefined && isLocalModelSpec(flags.model)) {
    throw new ConfigError(`--model ${flags.model} is a model file to run in this process; ${given} need the name of the model they serve`);
  }
  // The job checks that the endpoints serve one model, and names the run by the first model an endpoint names.
  return { endpoints, engine: "api", ...(flags.sameModel ? { sameModel: true } : {}) };
}
