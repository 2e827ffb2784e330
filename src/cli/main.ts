#!/usr/bin/env node
import { runFoveate } from "./program.js";

/** The process around the command line: its streams, environment, signals and exit code. */

// A reader that goes away (foveate export STORE | head) is not an error.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw error;
});

/**
 * The first Ctrl-C asks the run to stop (calls in flight may finish for --grace seconds); the
 * second quits at once. Installed only for the commands that ask for it.
 */
function interrupt(): AbortSignal {
  const stop = new AbortController();
  let interrupts = 0;
  process.on("SIGINT", () => {
    if (++interrupts > 1) {
      process.stderr.write("stopped at once; every reply received so far is in the run store\n");
      process.exit(130);
    }
    stop.abort();
  });
  return stop.signal;
}

process.exitCode = await runFoveate(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, interrupt });
