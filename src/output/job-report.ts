import type { BatchEvent } from "../pipeline/batch-waves.js";
import { EngineCallError } from "../errors.js";
import type { JobEvent } from "../run/job-events.js";
import { formatBudgetDistribution } from "./budget-distribution.js";
import { downloadProgress } from "./download-progress.js";
import { createProgress } from "./progress.js";
import { formatSummary } from "./summary.js";

export interface JobReportOptions {
  stream: NodeJS.WritableStream & { isTTY?: boolean };
  /** Print nothing but errors. */
  quiet: boolean;
}

/**
 * What a synthesis job's events look like on a terminal or in a log: the progress bar (or a line
 * every few seconds), the lines that must not be overwritten by it, and the summary at the end.
 */
export function jobReport(options: JobReportOptions): { onEvent: (event: JobEvent) => void; stop: () => void } {
  const { stream, quiet } = options;
  const progress = createProgress({ stream, isTTY: stream.isTTY === true, quiet });
  const say = (line: string) => {
    if (!quiet) stream.write(`${line}\n`);
  };
  const download = downloadProgress(say, stream);
  const onEvent = (event: JobEvent) => {
    switch (event.type) {
      case "skipped":
        return progress.log(`skipped ${event.error.message}`);
      case "download-start":
        return download.onStart?.(event);
      case "download-progress":
        return download.onProgress?.(event.downloadedBytes, event.totalBytes);
      case "engine":
        return say(event.description);
      case "store":
        return say(`Run store: ${event.path} (named for the corpus and settings; the same command resumes from it, --store picks another)`);
      case "engine-by-default":
        return say(`Local engine: ${event.why}; ${event.instead}.`);
      case "budgets":
        if (event.plan.note) say(`Budgets: ${event.plan.note}`);
        return say(formatBudgetDistribution(event.plan.budgets));
      case "warning":
        return progress.log(`warning: ${event.message}`);
      case "document-failed":
        return progress.log(`document ${event.document.sourceId} failed: ${event.error.message}`);
      case "progress":
        return progress.update(event.progress);
      case "stopping":
        return progress.log(`stopping: no new calls; calls in flight may finish for ${event.graceSeconds} s (Ctrl-C again to quit at once)`);
      case "batch": {
        const line = batchLine(event.event);
        return line ? progress.log(line) : undefined;
      }
      case "batch-file":
        return progress.log(`batch written for vllm run-batch; run: ${event.command}`);
      case "summary": {
        progress.stop();
        const { summary } = event;
        say(
          formatSummary(summary.stats, {
            ...(summary.costUsd !== undefined ? { costUsd: summary.costUsd } : {}),
            ...(summary.noPrice !== undefined ? { noPrice: summary.noPrice } : {}),
            ...(summary.transport ? { transport: summary.transport } : {}),
            store: summary.store,
          }) + (summary.skipped > 0 ? `\nSkipped bad input: ${summary.skipped}` : ""),
        );
        if (!event.finished) say(resumeAdvice(event.stoppedBy, summary.store));
        return;
      }
    }
  };
  return { onEvent, stop: () => progress.stop() };
}

/**
 * What to do after a run stopped: the same command resumes it, except when the server refused the
 * key (401/403), where running it again fails the same way until the key is fixed.
 */
export function resumeAdvice(stoppedBy: unknown, store: string): string {
  const status = stoppedBy instanceof EngineCallError ? stoppedBy.details.status : undefined;
  if (status === 401 || status === 403) {
    return "The same command fails the same way until the API key is fixed (OPENAI_API_KEY or --api-key); then it resumes, and nothing paid for is lost.";
  }
  return `Nothing is lost: run the same command again to resume from ${store}.`;
}

/** One line for a batch event worth telling: a wave submitted, a batch collected; status looks stay quiet. */
export function batchLine(event: BatchEvent): string | undefined {
  switch (event.type) {
    case "wave-submitted":
      return `wave ${event.wave} submitted: ${event.lines.toLocaleString("en-US")} calls in ${event.batches.length} batch${event.batches.length === 1 ? "" : "es"} (${event.batches.join(", ")}) asking ${event.label}`;
    case "batch-collected": {
      const again = event.retried > 0 ? `, ${event.retried} sent again` : "";
      const live = event.live > 0 ? `, ${event.live} sent live` : "";
      return `wave ${event.wave}: batch ${event.id} collected, ${event.answered.toLocaleString("en-US")} answered${again}${live}${event.failure ? ` (a failed line: ${event.failure})` : ""}`;
    }
    case "pending-dropped":
      return `warning: the batch an earlier run was creating from ${event.inputFileId} was refused (${event.reason}); its calls go in the next wave`;
    case "other-service":
      return `warning: ${event.batches} open batch${event.batches === 1 ? "" : "es"} of an earlier run went to ${event.service}, not to this run's; left alone (run with the same endpoint or --batch-files to collect ${event.batches === 1 ? "it" : "them"})`;
    case "batch-status":
      return undefined;
  }
}
