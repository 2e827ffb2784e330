/**
 * One OpenAI-compatible endpoint of a run, with limits of its own. A run spread over several
 * servers, keys or regions has one of these per endpoint; every endpoint must serve the same model.
 */
export interface EndpointSpec {
  /** Endpoint root, up to and including `/v1`. */
  baseUrl: string;
  /** Bearer key; local servers need none. */
  apiKey?: string;
  /** The model name this endpoint knows; default the run's model. */
  model?: string;
  /** Requests per minute allowed here; default unlimited (or what the server's headers say). */
  rpm?: number;
  /** Tokens per minute allowed here. */
  tpm?: number;
  /** The most calls in flight here; default the run's concurrency. */
  concurrency?: number;
}
