import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { seededRandom } from "../../src/random.js";
import { RunStore } from "../../src/store/run-store.js";
import { runCli } from "../support/run-cli.js";
import { startSimServer, type SimServer } from "../support/sim-server.js";
import { wireRequestKey } from "../support/wire-key.js";
import { SAMPLE_CORPUS } from "../support/fixtures.js";
import { tempDir } from "../support/temp-dir.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const SAMPLE = SAMPLE_CORPUS;
let sim: SimServer;
const dir = tempDir("foveate-kill-");
/** Every reply the simulator delivered whole, in order, by the run store's key. */
const delivered: string[] = [];
let onDelivery: () => void = () => {};

beforeAll(async () => {
  sim = await startSimServer({ latencyMs: 15, latencyJitterMs: 20, unanswerableRate: 0.2 });
  sim.onDelivered((body) => {
    delivered.push(wireRequestKey(body));
    onDelivery();
  });
});
afterAll(() => sim.close());

const args = (output: string) => ["synth", SAMPLE, "-o", output, "--base-url", sim.baseURL, "--model", "sim-model", "--seed", "7", "--quiet"];

/** Start a run and SIGKILL it once the simulator has delivered `after` more replies. */
function runAndKill(output: string, after: number): Promise<"killed" | "finished"> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args(output)], { cwd: root, stdio: "ignore" });
    const target = delivered.length + after;
    onDelivery = () => {
      if (delivered.length >= target) child.kill("SIGKILL");
    };
    child.on("exit", (_code, signal) => {
      onDelivery = () => {};
      resolve(signal === "SIGKILL" ? "killed" : "finished");
    });
  });
}

it("after SIGKILL at random points, resuming gives the uninterrupted dataset and pays for no reply twice", async () => {
  const reference = join(dir, "reference.jsonl");
  expect((await runCli(args(reference))).code).toBe(0);
  const expected = await readFile(reference, "utf8");
  const referenceCalls = delivered.length;
  delivered.length = 0;

  const output = join(dir, "killed.jsonl");
  const random = seededRandom("kill-test");
  /** Replies committed to the store when each kill happened, and how many deliveries came before it. */
  const snapshots: Array<{ before: number; stored: Set<string> }> = [];
  for (let kill = 0; kill < 5; kill++) {
    const outcome = await runAndKill(output, random.int(5, 90));
    if (outcome === "finished") break;
    const store = RunStore.open(`${output}.foveate.db`, { readonly: true });
    snapshots.push({ before: delivered.length, stored: store.replyKeys() });
    store.close();
  }
  const last = await runCli(args(output));
  expect(last.code).toBe(0);
  expect(await readFile(output, "utf8")).toBe(expected);

  // A reply paid twice: delivered again after a kill although the store already had it then.
  // A reply re-sent: delivered before a kill but not yet committed (in flight), then again.
  let paidTwice = 0;
  let resent = 0;
  for (let i = 0; i < delivered.length; i++) {
    const key = delivered[i]!;
    const committedEarlier = snapshots.some((s) => s.before <= i && s.stored.has(key));
    const deliveredEarlier = delivered.slice(0, i).includes(key);
    if (committedEarlier) paidTwice++;
    else if (deliveredEarlier) resent++;
  }
  console.log(
    `kill test: ${snapshots.length} kills, ${delivered.length} replies delivered over all runs (uninterrupted run: ${referenceCalls}), ` +
      `${resent} re-sent because they were in flight at a kill, ${paidTwice} paid twice`,
  );
  expect(snapshots.length).toBeGreaterThanOrEqual(3);
  expect(paidTwice).toBe(0);
  // At most --concurrency (32) calls can be in flight at each kill.
  expect(resent).toBeLessThanOrEqual(32 * snapshots.length);
  expect(delivered.length).toBe(referenceCalls + resent);
}, 120_000);
