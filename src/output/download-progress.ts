import cliProgress from "cli-progress";
import type { DownloadEvents } from "../llm/local/download-model.js";

/**
 * Shows a model download: one line saying what is downloaded and how large, then a bar on a
 * terminal, or a line per 10% elsewhere (a log, CI).
 */
export function downloadProgress(say: (line: string) => void, stream: NodeJS.WritableStream & { isTTY?: boolean }): DownloadEvents {
  let bar: cliProgress.SingleBar | undefined;
  let lastTenth = -1;
  return {
    onStart: ({ uri, file, totalBytes, alreadyBytes }) => {
      const size = totalBytes > 0 ? formatBytes(totalBytes) : "size unknown";
      const resume = alreadyBytes > 0 ? `, resuming after ${formatBytes(alreadyBytes)}` : "";
      say(`downloading ${uri} (${size}) to ${file}${resume}`);
      if (stream.isTTY && totalBytes > 0) {
        bar = new cliProgress.SingleBar(
          { stream: stream as NodeJS.WriteStream, format: "  {bar} {percentage}% | {done} of {size} | {eta_formatted} left", hideCursor: true, clearOnComplete: true },
          cliProgress.Presets.shades_classic,
        );
        bar.start(totalBytes, alreadyBytes, { done: formatBytes(alreadyBytes), size });
      }
    },
    onProgress: (done, total) => {
      if (bar) {
        bar.update(done, { done: formatBytes(done) });
        if (done >= total) bar.stop();
        return;
      }
      if (total <= 0) return;
      const tenth = Math.floor((done / total) * 10);
      if (tenth > lastTenth) {
        lastTenth = tenth;
        if (tenth > 0) say(`  ${tenth * 10}% (${formatBytes(done)} of ${formatBytes(total)})`);
      }
    },
  };
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${bytes} B`;
}
