/**
 * Calls waiting for a place, served highest priority first and, within a priority, in the order
 * they came: a binary heap, so thousands of waiting calls cost little. An entry taken out of the
 * line (its caller gave up) is skipped when it reaches the front.
 */
export class WaitingLine<T> {
  private readonly heap: Array<{ priority: number; order: number; item: T }> = [];
  private next = 0;
  private removed = new Set<T>();

  get size(): number {
    return this.heap.length - this.removed.size;
  }

  add(item: T, priority: number): void {
    this.heap.push({ priority, order: this.next++, item });
    let i = this.heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  /** The next to serve, left in the line. */
  peek(): T | undefined {
    this.dropRemoved();
    return this.heap[0]?.item;
  }

  /** The next to serve, taken out of the line. */
  take(): T | undefined {
    this.dropRemoved();
    return this.pop();
  }

  /** Gives every waiting item its priority anew (their order of arrival kept): one pass over the line. */
  reorder(priorityOf: (item: T) => number): void {
    const live = this.heap.filter((entry) => !this.removed.has(entry.item));
    // Every priority is asked for before the line is touched: one that throws leaves it whole.
    const priorities = live.map((entry) => priorityOf(entry.item));
    this.removed.clear();
    this.heap.length = 0;
    live.forEach((entry, i) => {
      entry.priority = priorities[i]!;
      this.heap.push(entry);
    });
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  /** Takes `item` out wherever it is (it is skipped when it reaches the front). */
  remove(item: T): void {
    if (this.heap.some((entry) => entry.item === item)) this.removed.add(item);
  }

  private dropRemoved(): void {
    while (this.heap.length > 0 && this.removed.delete(this.heap[0]!.item)) this.pop();
  }

  private pop(): T | undefined {
    const top = this.heap[0];
    const last = this.heap.pop();
    if (top === undefined || last === undefined) return undefined;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.siftDown(0);
    }
    return top.item;
  }

  private siftDown(from: number): void {
    let i = from;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let best = i;
      if (left < this.heap.length && this.before(left, best)) best = left;
      if (right < this.heap.length && this.before(right, best)) best = right;
      if (best === i) return;
      this.swap(i, best);
      i = best;
    }
  }

  private before(a: number, b: number): boolean {
    const x = this.heap[a]!;
    const y = this.heap[b]!;
    return x.priority > y.priority || (x.priority === y.priority && x.order < y.order);
  }

  private swap(a: number, b: number): void {
    [this.heap[a], this.heap[b]] = [this.heap[b]!, this.heap[a]!];
  }
}
