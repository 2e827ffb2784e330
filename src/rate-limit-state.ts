/** One limit a server published in a reply's headers: how much is left, and when its window resets. */
export interface PublishedLimit {
  /** The window's allowance, when the server says. */
  limit?: number;
  remaining: number;
  /** Milliseconds from the reply until the allowance is whole again. */
  resetMs: number;
}

/**
 * The limits a server published with a reply (`x-ratelimit-*`, as OpenAI, Azure OpenAI, Groq and
 * others send them): requests and tokens, each when present.
 */
export interface PublishedLimits {
  requests?: PublishedLimit;
  tokens?: PublishedLimit;
}
