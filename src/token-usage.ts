/** Tokens a call used: what the run counts, what it costs, and what a failure still cost. */
export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  /** Prompt tokens served from the provider's prefix cache, where the server reports them. */
  cachedPromptTokens: number;
}
