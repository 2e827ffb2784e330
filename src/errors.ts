import type { PublishedLimits } from "./rate-limit-state.js";
import type { TokenUsage } from "./token-usage.js";

/**
 * The typed error family. Errors a user can cause carry enough context to be printed as one
 * line; the CLI's top-level handler turns them into that line and an exit code.
 */

/** Base class: a problem the user can fix, printed without a stack trace. */
export class FoveateError extends Error {
  /** Process exit code the CLI uses for this error. */
  readonly exitCode: number = 1;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad corpus input: a file, a line (1-based, when known) and what is wrong with it. */
export class InputError extends FoveateError {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly problem: string,
  ) {
    super(`${file}${line === undefined ? "" : `:${line}`}: ${problem}`);
  }
}

/** A setting that cannot work: a missing key, a bad flag value, an unknown level. */
export class ConfigError extends FoveateError {}

/** A call to the model failed at the transport or HTTP level. */
export class EngineCallError extends FoveateError {
  constructor(
    message: string,
    readonly details: {
      url: string;
      model: string;
      /** HTTP status, or undefined for a connection-level failure (refused, reset, timeout). */
      status: number | undefined;
      /** Whether retrying the same request could succeed (429, 5xx, timeouts, dropped connections). */
      retryable: boolean;
      /** Seconds the server asked us to wait, from Retry-After or rate-limit headers. */
      retryAfterSeconds?: number;
      /** True when no server answers at that address at all (refused, host not found). */
      unreachable?: boolean;
      /** The rate limits the server published with its refusal. */
      limits?: PublishedLimits;
    },
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Tokens of a reply read without a call (a test, a replay of text): none. */
const NO_USAGE: TokenUsage = { promptTokens: 0, completionTokens: 0, cachedPromptTokens: 0 };

/**
 * A reply the step cannot use, kept with its raw text and the tokens it took so a failed item can
 * record what the model said and what it cost. Either a ReplyParseError or a ReplyValidationError.
 */
export abstract class UnusableReplyError extends FoveateError {
  constructor(
    message: string,
    /** The raw reply text. */
    readonly rawText: string,
    /** The reply's token usage. */
    readonly usage: TokenUsage = NO_USAGE,
  ) {
    super(message);
  }
}

/** A reply that holds no JSON (cut off, or prose where the step cannot read prose). */
export class ReplyParseError extends UnusableReplyError {}

/** A reply whose JSON (or text read as such) fails the step's schema or a further check. */
export class ReplyValidationError extends UnusableReplyError {}

/** A problem with the run store file itself (disk full, not a store, locked, ...). Stops the run. */
export class StoreError extends FoveateError {}

/** The run stopped because the next calls would have crossed --max-cost. Resumable. */
export class SpendingLimitReachedError extends FoveateError {
  override readonly exitCode = 3;
}

/** The run stopped because most recent calls failed with errors that retrying will not fix. */
export class CircuitOpenError extends FoveateError {}

/** The run was stopped on purpose (abort signal). */
export class AbortedError extends FoveateError {
  override readonly exitCode = 130;
}
