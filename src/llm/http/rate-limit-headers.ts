import type { PublishedLimit, PublishedLimits } from "../../rate-limit-state.js";
import { parseDuration } from "./classify-error.js";

/**
 * Reads `x-ratelimit-{limit,remaining,reset}-{requests,tokens}`. A kind counts only with both its
 * remaining count and its reset time: either alone cannot say when to wait. Undefined when the
 * reply publishes no limit.
 */
export function readPublishedLimits(headers: Headers): PublishedLimits | undefined {
  const requests = readKind(headers, "requests");
  const tokens = readKind(headers, "tokens");
  if (!requests && !tokens) return undefined;
  return { ...(requests ? { requests } : {}), ...(tokens ? { tokens } : {}) };
}

function readKind(headers: Headers, kind: "requests" | "tokens"): PublishedLimit | undefined {
  const remaining = count(headers.get(`x-ratelimit-remaining-${kind}`));
  const resetSeconds = resetOf(headers.get(`x-ratelimit-reset-${kind}`));
  if (remaining === undefined || resetSeconds === undefined) return undefined;
  const limit = count(headers.get(`x-ratelimit-limit-${kind}`));
  return { ...(limit !== undefined ? { limit } : {}), remaining, resetMs: Math.round(resetSeconds * 1000) };
}

function count(text: string | null): number | undefined {
  const value = text?.trim();
  if (!value || !/^\d+(\.\d+)?$/.test(value)) return undefined;
  return Number(value);
}

/** OpenAI and Groq write a duration ("6m0s", "250ms"); some servers write plain seconds ("1.5"). */
function resetOf(text: string | null): number | undefined {
  const value = text?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value);
  return parseDuration(value);
}
