/**
 * Which faults and quirks the simulated server injects into one request. Each is decided from a
 * hash of the request body and how many times that same body was seen before, so a retried
 * request eventually gets through and a whole run is reproducible. Pure functions.
 */
import { unitOf } from "./sim-hash.js";

export interface FaultRates {
  /** Share of requests answered 429 Too Many Requests. */
  rate429: number;
  /** Share of requests answered 500 Internal Server Error. */
  rate500: number;
  /** Share of requests whose connection is closed without a reply. */
  rateDrop: number;
  /** Share of requests answered 200 with a body cut off mid-JSON. */
  rateTruncatedBody: number;
  /** Share of replies whose message content is cut off (finish_reason "length"). */
  rateTruncatedContent: number;
  /** Share of replies whose content is valid JSON of the wrong shape or length. */
  rateInvalidReply: number;
  /** Share of replies wrapped in ```json fences. */
  rateCodeFence: number;
  /** Share of replies with a sentence of prose before and after the JSON. */
  rateProse: number;
}

export const TRANSPORT_FAULTS = ["status429", "status500", "drop", "truncatedBody"] as const;
export type TransportFault = (typeof TRANSPORT_FAULTS)[number];

export const CONTENT_FAULTS = ["truncatedContent", "invalidReply", "codeFence", "prose"] as const;
export type ContentFault = (typeof CONTENT_FAULTS)[number];

/** At most one transport fault per request: one draw against the rates stacked in a fixed order. */
export function transportFault(rates: FaultRates, bodyHash: string, seen: number): TransportFault | undefined {
  const u = unitOf("transport", bodyHash, seen);
  const stacked: Array<[TransportFault, number]> = [
    ["status429", rates.rate429],
    ["status500", rates.rate500],
    ["drop", rates.rateDrop],
    ["truncatedBody", rates.rateTruncatedBody],
  ];
  let edge = 0;
  for (const [fault, rate] of stacked) {
    edge += rate;
    if (u < edge) return fault;
  }
  return undefined;
}

/**
 * The content faults of one reply. A truncated and an invalid reply exclude each other; fences
 * and prose are independent and may come together. A re-ask always gets a clean reply.
 */
export function contentFaults(rates: FaultRates, bodyHash: string, seen: number, isReask: boolean): Set<ContentFault> {
  const out = new Set<ContentFault>();
  if (isReask) return out;
  const u = unitOf("content", bodyHash, seen);
  if (u < rates.rateTruncatedContent) out.add("truncatedContent");
  else if (u < rates.rateTruncatedContent + rates.rateInvalidReply) out.add("invalidReply");
  if (unitOf("fence", bodyHash, seen) < rates.rateCodeFence) out.add("codeFence");
  if (unitOf("prose", bodyHash, seen) < rates.rateProse) out.add("prose");
  return out;
}
