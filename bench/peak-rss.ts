import { readFileSync } from "node:fs";

/**
 * This process's resident-set high-water mark, in MB. Linux's VmHWM belongs to the process's own
 * memory since it started; getrusage's maxRSS keeps the parent's across fork and exec, so under
 * `npm run bench` (whose process holds the earlier benchmarks' hundreds of MB) it said 376 MB for a
 * PDF reader that never passed 140.
 */
export function peakRssMb(): number {
  try {
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
    if (hwm) return Number(hwm[1]) / 1024;
  } catch {
    // Not Linux: fall back to getrusage.
  }
  return process.resourceUsage().maxRSS / 1024;
}
