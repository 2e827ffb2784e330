import { costOf, formatUsd, PRICES_AS_OF, type Price } from "../cost/prices.js";
import type { RunEstimate } from "../cost/estimate.js";

const about = (n: number) => Number(n.toPrecision(3)).toLocaleString("en-US");

/** The dry-run report: a few lines with calls, tokens, cost and the assumptions behind them. */
export function formatEstimate(estimate: RunEstimate, price?: Price): string {
  const lines = [
    `Estimate for ${estimate.documents.toLocaleString("en-US")} documents: about ${about(estimate.calls)} LLM calls`,
    `Tokens: about ${about(estimate.promptTokens)} prompt, ${about(estimate.completionTokens)} completion`,
  ];
  if (price === undefined) {
    lines.push("Cost: price unknown: pass --price-in and --price-out (USD per million tokens)");
  } else if (price.local && !price.overridden) {
    lines.push("Cost: nothing per token: the local engine runs on this machine (--price-in and --price-out put a price on it)");
  } else {
    const usage = { promptTokens: estimate.promptTokens, completionTokens: estimate.completionTokens, cachedPromptTokens: 0 };
    const full = costOf(usage, price);
    const cached = costOf({ ...usage, cachedPromptTokens: estimate.cacheablePromptTokens }, price);
    const source =
      price.model === undefined
        ? "the prices given"
        : `${price.model} prices${price.overridden ? " with the prices given" : ` of ${PRICES_AS_OF}`}`;
    const rate = (usd: number) => `$${usd.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 4 })}`;
    const rates = `${rate(price.input)} in, ${rate(price.output)} out per million tokens`;
    lines.push(`Cost: about ${formatUsd(full)} at ${source}${price.batch ? ", batch price" : ""} (${rates})`);
    if (cached < full) lines.push(`  as low as ${formatUsd(cached)} if the provider's prompt cache serves every repeated document prefix`);
  }
  lines.push("Assumptions:", ...estimate.assumptions.map((a) => `  - ${a}`));
  return lines.join("\n");
}
