#!/usr/bin/env node
import { runFoveate } from "./program.js";

/** The process around the command line: its streams, environment, signals and exit code. */

// A reader that goes away (foveate export STORE | head) is not an error.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw error;
});

/** The exit code of a run stopped by each signal: 128 + its number, as shells and supervisors expect. */
const STOP_SIGNALS = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;
let stoppedBy: keyof typeof STOP_SIGNALS | undefined;

/**
 * The first Ctrl-C, SIGTERM (Docker, Kubernetes, systemd) or SIGHUP asks the run to stop (calls in
 * flight may finish for --grace seconds, the summary says how to resume); a second one quits at
 * once. Installed only for the commands that ask for it.
 */
function interrupt(): AbortSignal {
  const stop = new AbortController();
  let interrupts = 0;
  for (const signal of Object.keys(STOP_SIGNALS) as Array<keyof typeof STOP_SIGNALS>) {
    process.on(signal, () => {
      if (++interrupts > 1) {
        process.stderr.write("stopped at once; every reply received so far is in the run store\n");
        process.exit(STOP_SIGNALS[signal]);
      }
      stoppedBy = signal;
      stop.abort();
    });
  }
  return stop.signal;
}

const code = await runFoveate(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, interrupt });
// A run stopped on a signal exits with that signal's code (130 is what the stop reports for any).
process.exitCode = code === 130 && stoppedBy ? STOP_SIGNALS[stoppedBy] : code;
