import type { Price } from "../cost/prices.js";
import { costOf } from "../cost/prices.js";
import type { CompletionRequest, TokenUsage } from "../llm/port.js";
import { callShape, CostForecast, type CallShape } from "./cost-forecast.js";

/** What a call holds of the budget while it is in flight; handed back to `settle`. */
export interface SpendingReservation {
  readonly shape: CallShape;
  /** What the call is expected to cost. */
  readonly expectedUsd: number;
  /** The most it can plausibly cost: the expected cost plus the margin held for it. */
  readonly boundUsd: number;
}

interface Waiter {
  shape: CallShape;
  resolve(reservation: SpendingReservation | undefined): void;
  reject(reason: unknown): void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

/**
 * Keeps a run under a spending limit (in dollars) while spending up to it. Each call books its
 * expected cost (CostForecast: its prompt and the completions its step has been producing) and
 * holds a margin on top, up to the largest cost it can plausibly reach; after the reply, both give
 * way to what the call really cost.
 *
 * A call fits when spending plus the booked costs and margins of every call in flight, its own
 * included, stays within the limit. Far from the limit the margins change nothing: everything fits.
 * Near it they are what keeps the run under it: a call goes out only if every call in flight could
 * still come back as large as plausible, so replies that come back larger than expected never take
 * spending over. A call that does not fit waits for calls in flight to settle (holding nothing), and
 * the run is told to stop only when a call does not fit with nothing else in flight: then what is
 * left of the budget is less than one call's bound, a few percent of any budget worth setting.
 */
export class SpendingLimit {
  spentUsd: number;
  private readonly forecast: CostForecast;
  private expectedInFlight = 0;
  private boundInFlight = 0;
  private inFlight = 0;
  private readonly waiters: Waiter[] = [];

  constructor(
    readonly maxUsd: number,
    private readonly price: Price,
    alreadySpentUsd = 0,
    /** What a reply answered in a batch costs; calls book at `price`, the higher, until they settle. */
    private readonly batchPrice: Price = price,
  ) {
    this.spentUsd = alreadySpentUsd;
    this.forecast = new CostForecast(price);
  }

  /** The expected cost of the calls in flight. */
  get reservedUsd(): number {
    return this.expectedInFlight;
  }

  get callsInFlight(): number {
    return this.inFlight;
  }

  get callsWaiting(): number {
    return this.waiters.length;
  }

  /**
   * A reservation for the call once it fits beside the calls in flight; undefined when it would
   * cross the limit even with nothing else in flight (the run should stop). Rejects with the
   * signal's reason when the signal aborts first.
   */
  reserve(request: CompletionRequest, signal?: AbortSignal): Promise<SpendingReservation | undefined> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const shape = callShape(request);
    const now = this.tryBook(shape);
    if (now) return Promise.resolve(now);
    if (this.inFlight === 0) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        shape,
        resolve,
        reject,
        signal,
        onAbort: () => {
          this.removeWaiter(waiter);
          reject(signal!.reason);
        },
      };
      signal?.addEventListener("abort", waiter.onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Replaces the call's reservation with what it really cost: nothing when no usage came back; `batched` at the batch price. */
  settle(reservation: SpendingReservation, usage: TokenUsage | undefined, batched = false): void {
    this.inFlight--;
    // Sums of floats drift; with nothing in flight they are exactly zero.
    if (this.inFlight === 0) {
      this.expectedInFlight = 0;
      this.boundInFlight = 0;
    } else {
      this.expectedInFlight -= reservation.expectedUsd;
      this.boundInFlight -= reservation.boundUsd;
    }
    if (usage) {
      this.spentUsd += costOf(usage, batched ? this.batchPrice : this.price);
      this.forecast.learn(reservation.shape, usage);
    }
    this.admitWaiters();
  }

  /** Counts what was paid outside any call of this run (an earlier run's batch, collected now). */
  charge(usage: TokenUsage, batched: boolean): void {
    this.spentUsd += costOf(usage, batched ? this.batchPrice : this.price);
    this.admitWaiters();
  }

  /** Refuses every waiting call with `reason` (the run is stopping). */
  refuseWaiting(reason: unknown): void {
    for (const waiter of this.waiters.splice(0)) {
      waiter.signal?.removeEventListener("abort", waiter.onAbort);
      waiter.reject(reason);
    }
  }

  private tryBook(shape: CallShape): SpendingReservation | undefined {
    const { expectedUsd, boundUsd } = this.forecast.cost(shape);
    if (this.spentUsd + this.boundInFlight + boundUsd > this.maxUsd) return undefined;
    this.inFlight++;
    this.expectedInFlight += expectedUsd;
    this.boundInFlight += boundUsd;
    return { shape, expectedUsd, boundUsd };
  }

  /**
   * Sends every waiting call that fits now, oldest first; a smaller call may pass a larger one that
   * does not fit yet. With nothing in flight, a call that still does not fit never will.
   */
  private admitWaiters(): void {
    let i = 0;
    while (i < this.waiters.length) {
      const waiter = this.waiters[i]!;
      const reservation = this.tryBook(waiter.shape);
      if (!reservation) {
        i++;
        continue;
      }
      this.waiters.splice(i, 1);
      waiter.signal?.removeEventListener("abort", waiter.onAbort);
      waiter.resolve(reservation);
    }
    if (this.inFlight > 0) return;
    for (const waiter of this.waiters.splice(0)) {
      waiter.signal?.removeEventListener("abort", waiter.onAbort);
      waiter.resolve(undefined);
    }
  }

  private removeWaiter(waiter: Waiter): void {
    const i = this.waiters.indexOf(waiter);
    if (i >= 0) this.waiters.splice(i, 1);
  }
}
