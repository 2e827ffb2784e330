import { describe, expect, it } from "vitest";
import type { CompletionRequest } from "../llm/port.js";
import { PRIOR_PROMPT_RATIO_BOUND, WARM_UP_REPLIES } from "./cost-forecast.js";
import { SpendingLimit, type SpendingReservation } from "./spending-limit.js";

// $1 per million tokens, in and out: a token costs a micro-dollar.
const price = { input: 1, cachedInput: 1, output: 1 };
/** A request whose prompt is estimated at `promptTokens` (4 of them the message's formatting). */
const request = (step: string, promptTokens: number, maxTokens?: number, signal?: AbortSignal): CompletionRequest => ({
  messages: [{ role: "user", content: "x".repeat(4 * (promptTokens - 4)) }],
  sampling: maxTokens === undefined ? {} : { maxTokens },
  responseSchema: { name: step, schema: {} },
  ...(signal ? { signal } : {}),
});
const usage = (promptTokens: number, completionTokens: number) => ({ promptTokens, completionTokens, cachedPromptTokens: 0 });
const settled = (p: Promise<unknown>) => {
  const state = { done: false };
  void p.then(
    () => (state.done = true),
    () => (state.done = true),
  );
  return state;
};

/**
 * A limit that has learned calls of step "s": prompts as estimated, 100 completion tokens at most.
 * From then on a call of that step estimated at P prompt tokens is bounded by 1.1 P + 150 tokens.
 */
async function warmed(maxUsd: number): Promise<SpendingLimit> {
  const limit = new SpendingLimit(maxUsd, price);
  for (let i = 0; i < WARM_UP_REPLIES; i++) {
    const r = (await limit.reserve(request("s", 1000, 100)))!;
    limit.settle(r, usage(1000, 100));
    limit.spentUsd = 0;
  }
  return limit;
}

describe("SpendingLimit", () => {
  it("books a call's expected cost, not its worst case, and replaces it with the real cost", async () => {
    const limit = await warmed(1);
    const r = (await limit.reserve(request("s", 1000, 4000)))!;
    expect(r.expectedUsd).toBeCloseTo(1100 / 1e6, 12);
    expect(limit.reservedUsd).toBeCloseTo(1100 / 1e6, 12);
    limit.settle(r, usage(900, 50));
    expect(limit.reservedUsd).toBe(0);
    expect(limit.spentUsd).toBeCloseTo(950 / 1e6, 12);
  });

  it("counts a reply answered in a batch at the batch price", async () => {
    const limit = new SpendingLimit(1, price, 0, { input: 0.5, cachedInput: 0.5, output: 0.5 });
    const r = (await limit.reserve(request("s", 1000, 100)))!;
    limit.settle(r, usage(1000, 100), true);
    expect(limit.spentUsd).toBeCloseTo(550 / 1e6, 12);
    const live = (await limit.reserve(request("s", 1000, 100)))!;
    limit.settle(live, usage(1000, 100));
    expect(limit.spentUsd).toBeCloseTo(1650 / 1e6, 12);
  });

  it("lets far more calls in flight than the old worst case did", async () => {
    // Worst case with max_tokens 4,000: $0.005 a call, 20 calls in $0.10. Expected: $0.0011.
    const limit = await warmed(0.1);
    const held: SpendingReservation[] = [];
    for (;;) {
      const p = limit.reserve(request("s", 1000, 4000));
      const state = settled(p);
      await Promise.resolve();
      if (!state.done) break;
      const reservation = await p;
      if (!reservation) break;
      held.push(reservation);
    }
    expect(held.length).toBeGreaterThan(40);
    // The rest of the budget is held for the calls in flight: the next one waits, the run goes on.
    expect(limit.callsWaiting).toBe(1);
    limit.refuseWaiting(new Error("done"));
  });

  it("makes a call that does not fit wait for calls in flight, and sends it when one settles", async () => {
    // Room for three calls of 1,250 tokens only once one of them has cost its 1,100.
    const limit = await warmed(0.00365);
    const first = (await limit.reserve(request("s", 1000)))!;
    const second = (await limit.reserve(request("s", 1000)))!;
    const third = limit.reserve(request("s", 1000));
    const state = settled(third);
    await Promise.resolve();
    expect(state.done).toBe(false);
    expect(limit.callsWaiting).toBe(1);
    limit.settle(first, usage(1000, 100));
    expect(await third).toBeDefined();
    expect(limit.callsInFlight).toBe(2);
    limit.settle(second, usage(1000, 100));
  });

  it("says stop only when the call does not fit with nothing else in flight", async () => {
    const limit = await warmed(0.01);
    limit.spentUsd = 0.01 - 1200 / 1e6;
    // The call's bound (1,250 tokens) is over what is left, and nothing else is in flight.
    expect(await limit.reserve(request("s", 1000))).toBeUndefined();
    expect(limit.callsInFlight).toBe(0);
  });

  it("tells a waiting call to stop when the last call in flight settles and it still does not fit", async () => {
    const limit = await warmed(0.01);
    limit.spentUsd = 0.01 - 1500 / 1e6;
    // 260 tokens held for this one, 1,240 left: the next call's 1,250 must wait.
    const inFlight = (await limit.reserve(request("s", 100)))!;
    const waiting = limit.reserve(request("s", 1000));
    limit.settle(inFlight, usage(100, 900));
    expect(await waiting).toBeUndefined();
  });

  it("lets a smaller waiting call pass a larger one that does not fit yet", async () => {
    const limit = await warmed(0.01);
    limit.spentUsd = 0.01 - 2000 / 1e6;
    // 1,250 tokens held for this one, 750 left: neither the large call (1,250) nor the small (810) fits.
    const inFlight = (await limit.reserve(request("s", 1000)))!;
    const large = limit.reserve(request("s", 1000));
    const small = limit.reserve(request("s", 600));
    expect(limit.callsWaiting).toBe(2);
    limit.settle(inFlight, usage(1000, 100));
    // 900 left: the small call fits, the large one must wait for it.
    const sent = (await small)!;
    expect(sent).toBeDefined();
    expect(limit.callsWaiting).toBe(1);
    limit.settle(sent, usage(200, 100));
    expect(await large).toBeUndefined();
  });

  it("gives up waiting when the request's signal aborts, and when the run refuses every waiting call", async () => {
    const limit = await warmed(0.002);
    const inFlight = (await limit.reserve(request("s", 1000)))!;
    const stop = new AbortController();
    const aborted = limit.reserve(request("s", 1000, undefined, stop.signal), stop.signal);
    const refused = limit.reserve(request("s", 1000));
    stop.abort(new Error("interrupted"));
    await expect(aborted).rejects.toThrow("interrupted");
    expect(limit.callsWaiting).toBe(1);
    limit.refuseWaiting(new Error("run stops"));
    await expect(refused).rejects.toThrow("run stops");
    expect(limit.callsWaiting).toBe(0);
    limit.settle(inFlight, undefined);
    expect(limit.spentUsd).toBe(0);
    await expect(limit.reserve(request("s", 1000), stop.signal)).rejects.toThrow("interrupted");
  });

  it("is cautious with a step it has not heard from: the prior ratio and completion bound the first calls", async () => {
    const limit = new SpendingLimit(0.002, price);
    // 1,000 estimated prompt tokens at the prior ratio plus 1,000 completion tokens: over $0.002.
    expect(1000 * PRIOR_PROMPT_RATIO_BOUND + 1000).toBeGreaterThan(2000);
    expect(await limit.reserve(request("s", 1000))).toBeUndefined();
    expect(await limit.reserve(request("s", 1000, 400))).toBeDefined();
  });

  it("never crosses the limit, and spends nearly all of it, with 48 calls in flight settling in random order", async () => {
    for (let seed = 1; seed <= 20; seed++) {
      let state = seed;
      const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
      const limit = new SpendingLimit(0.5, price);
      let stopping = false;
      let crossed = false;
      // Like the call gate: send calls one after another until the limit says stop; a stop refuses
      // the calls waiting, and the calls in flight still settle.
      const worker = async () => {
        while (!stopping) {
          const step = random() < 0.5 ? "short" : "long";
          let r: SpendingReservation | undefined;
          try {
            r = await limit.reserve(request(step, 600 + Math.floor(random() * 800)));
          } catch {
            return;
          }
          if (!r) {
            stopping = true;
            limit.refuseWaiting(new Error("stop"));
            return;
          }
          for (let ticks = Math.floor(random() * 20); ticks > 0; ticks--) await Promise.resolve();
          const completion = step === "short" ? 50 + random() * 100 : 300 + random() * 500;
          limit.settle(r, usage(Math.round(r.shape.estimatedPromptTokens * (0.9 + random() * 0.2)), Math.round(completion)));
          if (limit.spentUsd > 0.5) crossed = true;
        }
      };
      await Promise.all(Array.from({ length: 48 }, worker));
      expect(crossed).toBe(false);
      expect(limit.callsInFlight).toBe(0);
      // What is left is less than one call's bound: about $0.003 here.
      expect(limit.spentUsd).toBeGreaterThan(0.49);
    }
  });
});
