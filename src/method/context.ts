import type { SourceDocument } from "../corpus/source-document.js";
import type { ChatMessage, Sampling } from "../llm/port.js";
import type { RawReply } from "../llm/structured/complete-structured.js";
import type { StepSchema } from "../llm/structured/parse-reply.js";
import type { Level } from "./levels.js";

/** The kinds of call the method makes; each has its own sampling parameters. */
export type StepKind = "extract" | "synthesize" | "answer" | "resynthesize" | "selfQa";

export interface MethodSettings {
  levels: readonly Level[];
  /** CORE and MAJOR keyword counts for the scatter importance step; undefined: step off. */
  important: { core: number; major: number } | undefined;
  /** Re-synthesis rounds for failed items. */
  maxRounds: number;
  /** Successful examples shown in a re-synthesis prompt, at most. */
  shots: number;
  /** Extra requests for features when a document yields fewer than its budget. */
  extraExtractionAsks: number;
  sampling: Record<StepKind, Sampling>;
}

/** Where a call sits in the method: its level, and its re-synthesis round (0: the first pass). */
export interface CallPlace {
  level: Level;
  round: number;
}

/** A valid reply to one structured call: the value read from it and the reply as it came. */
export interface Asked<T> {
  value: T;
  reply: RawReply;
}

/** What the method needs to work on one document; the pipeline provides it. */
export interface DocumentContext {
  document: SourceDocument;
  /** Instructions per level for this document. */
  budget: number;
  settings: MethodSettings;
  seed: number;
  /**
   * One structured call: resolves with a valid reply and its value, rejects with UnusableReplyError when the model
   * kept replying unusably, or with EngineCallError / AbortedError from the transport. `place` says where the call
   * sits (levels give it; Self-QA has none): the pipeline serves first the calls likely to have the longest chain
   * of calls still to come.
   */
  ask<T>(kind: StepKind, messages: ChatMessage[], schema: StepSchema<T>, check?: (value: T) => string | undefined, place?: CallPlace): Promise<Asked<T>>;
  /** Told, as soon as it is known, that calls at `place` will follow (an item failed and goes to that round). */
  ahead?(place: CallPlace): void;
}
