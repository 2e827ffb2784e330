import { describe, expect, it } from "vitest";
import { SpendingLimitReachedError } from "../errors.js";
import type { Completion, CompletionRequest } from "../llm/port.js";
import { CallGate } from "./call-gate.js";
import { CircuitBreaker } from "./circuit-breaker.js";
import { emptyStats } from "./run-stats.js";
import { SpendingLimit } from "./spending-limit.js";

// $1 per million tokens: a token costs a micro-dollar.
const price = { input: 1, cachedInput: 1, output: 1 };
/** About 1,000 estimated prompt tokens, at most 100 completion tokens: bounded by $0.0016 before any reply. */
const request: CompletionRequest = { messages: [{ role: "user", content: "x".repeat(3984) }], sampling: { maxTokens: 100 } };

/** A call that answers when told to, with 1,000 prompt and 100 completion tokens. */
function heldCall() {
  let answer!: () => void;
  const answered = new Promise<void>((resolve) => (answer = resolve));
  const call = async (): Promise<Completion> => {
    await answered;
    return { text: "ok", usage: { promptTokens: 1000, completionTokens: 100, cachedPromptTokens: 0 }, finishReason: "stop", attempts: 1 };
  };
  return { call, answer };
}

function gate(spending: SpendingLimit) {
  const draining = new AbortController();
  const drained: Error[] = [];
  const g = new CallGate({
    stats: emptyStats(),
    breaker: new CircuitBreaker(),
    spending,
    draining: draining.signal,
    drain: (reason) => {
      drained.push(reason);
      draining.abort(reason);
    },
    fail: (reason) => draining.abort(reason),
  });
  return { g, drained, draining };
}

describe("CallGate and the spending limit", () => {
  it("holds a call that does not fit until one in flight settles, then sends it", async () => {
    const { g, drained } = gate(new SpendingLimit(0.003, price));
    const first = heldCall();
    const second = heldCall();
    const one = g.send(request, first.call);
    let secondSent = false;
    const two = g.send(request, () => ((secondSent = true), second.call()));
    await new Promise((resolve) => setImmediate(resolve));
    expect(secondSent).toBe(false);
    first.answer();
    await one;
    second.answer();
    await two;
    expect(secondSent).toBe(true);
    expect(drained).toEqual([]);
  });

  it("stops the run once, and refuses the calls waiting with the run's own reason", async () => {
    const spending = new SpendingLimit(0.002, price);
    const { g, drained, draining } = gate(spending);
    const first = heldCall();
    const one = g.send(request, first.call);
    const waiting = g.send(request, heldCall().call);
    const alsoWaiting = g.send(request, heldCall().call);
    first.answer();
    await one;
    // $0.0011 spent, $0.0009 left: less than one call's bound, with nothing in flight.
    await expect(waiting).rejects.toThrow(/stopped before crossing the budget of \$0\.00 \(spent \$0\.0011\)/);
    await expect(alsoWaiting).rejects.toBe(draining.signal.reason);
    expect(drained).toHaveLength(1);
    expect(drained[0]).toBeInstanceOf(SpendingLimitReachedError);
    await expect(g.send(request, heldCall().call)).rejects.toBe(drained[0]);
    expect(spending.callsInFlight).toBe(0);
  });

  it("refuses a call waiting for the budget when the run is stopped for another reason", async () => {
    const spending = new SpendingLimit(0.002, price);
    const { g, draining } = gate(spending);
    const first = heldCall();
    const one = g.send(request, first.call);
    const waiting = g.send(request, heldCall().call);
    await new Promise((resolve) => setImmediate(resolve));
    expect(spending.callsWaiting).toBe(1);
    const interrupted = new Error("interrupted");
    draining.abort(interrupted);
    await expect(waiting).rejects.toBe(interrupted);
    first.answer();
    await one;
    expect(spending.callsWaiting).toBe(0);
    expect(spending.spentUsd).toBeCloseTo(0.0011, 12);
  });
});
