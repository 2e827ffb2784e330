import { describe, expect, it } from "vitest";
import { WaitingLine } from "./waiting-line.js";

describe("WaitingLine", () => {
  it("serves the highest priority first, and within one priority in the order of arrival", () => {
    const line = new WaitingLine<string>();
    const arrivals: Array<[string, number]> = [["a", 1], ["b", 5], ["c", 1], ["d", 5], ["e", 3], ["f", -2], ["g", 3]];
    for (const [item, priority] of arrivals) line.add(item, priority);
    const served: string[] = [];
    for (let item = line.take(); item !== undefined; item = line.take()) served.push(item);
    expect(served).toEqual(["b", "d", "e", "g", "a", "c", "f"]);
  });

  it("keeps the order over many random arrivals", () => {
    const line = new WaitingLine<number>();
    const priorities = Array.from({ length: 2000 }, (_, i) => (i * 7919) % 13);
    priorities.forEach((priority, i) => line.add(i, priority));
    const served: number[] = [];
    for (let item = line.take(); item !== undefined; item = line.take()) served.push(item);
    const expected = priorities.map((priority, i) => ({ priority, i })).sort((a, b) => b.priority - a.priority || a.i - b.i).map((x) => x.i);
    expect(served).toEqual(expected);
  });

  it("reorders by new priorities, keeping the order of arrival among equals, and drops entries taken out", () => {
    const line = new WaitingLine<{ name: string; rank: number }>();
    const items = ["a", "b", "c", "d", "e"].map((name, i) => ({ name, rank: i }));
    for (const item of items) line.add(item, item.rank);
    line.remove(items[4]!);
    for (const item of items) item.rank = item.name === "a" || item.name === "c" ? 10 : 1;
    line.reorder((item) => item.rank);
    expect(line.size).toBe(4);
    const served: string[] = [];
    for (let item = line.take(); item !== undefined; item = line.take()) served.push(item.name);
    expect(served).toEqual(["a", "c", "b", "d"]);
  });

  it("skips an entry taken out, and counts only those still waiting", () => {
    const line = new WaitingLine<string>();
    line.add("a", 2);
    line.add("b", 1);
    line.add("c", 0);
    line.remove("a");
    line.remove("c");
    line.remove("never added");
    expect(line.size).toBe(1);
    expect(line.peek()).toBe("b");
    expect(line.take()).toBe("b");
    expect(line.take()).toBeUndefined();
    expect(line.size).toBe(0);
  });
});
