const MINUTE_MS = 60_000;
// Float slack, so that a bucket refilled to 0.9999999999 of what a call needs lets it through.
const EPSILON = 1e-6;

/** A bucket holding one minute's worth of requests or tokens, refilled continuously; its level may go below zero. */
export class TokenBucket {
  private level: number;
  private updatedAt: number;

  constructor(
    readonly capacity: number,
    now: number,
  ) {
    this.level = capacity;
    this.updatedAt = now;
  }

  private refill(now: number): void {
    this.level = Math.min(this.capacity, this.level + ((now - this.updatedAt) * this.capacity) / MINUTE_MS);
    this.updatedAt = now;
  }

  /** Milliseconds until `amount` may be taken (a full bucket always suffices); 0 when it may now. */
  waitFor(amount: number, now: number): number {
    this.refill(now);
    const deficit = Math.min(amount, this.capacity) - this.level;
    return deficit <= EPSILON ? 0 : (deficit * MINUTE_MS) / this.capacity;
  }

  take(amount: number, now: number): void {
    this.refill(now);
    this.level -= amount;
  }

  giveBack(amount: number, now: number): void {
    this.refill(now);
    this.level = Math.min(this.capacity, this.level + amount);
  }
}
