import cliProgress from "cli-progress";
import type { PushProgress, PushResult } from "../publish/push-dataset.js";
import { formatBytes } from "./download-progress.js";

/** Uploads smaller than this finish too fast for progress to help; the summary says it all. */
export const LARGE_UPLOAD_BYTES = 10_000_000;

const plural = (n: number, one: string) => `${n.toLocaleString("en-US")} ${one}${n === 1 ? "" : "s"}`;

function names(files: ReadonlyArray<{ path: string }>): string {
  const shown = files.slice(0, 4).map((f) => f.path);
  return files.length > shown.length ? `${shown.join(", ")} and ${files.length - shown.length} more` : shown.join(", ");
}

/** What a push did, in lines for stderr: created or not, what was uploaded, what was already there. */
export function formatPushResult(result: PushResult, isPrivate: boolean): string[] {
  const lines: string[] = [];
  if (result.created) lines.push(`created the dataset repository ${result.repo}${isPrivate ? " (private)" : ""}`);
  const bytes = result.uploaded.reduce((sum, f) => sum + f.size, 0);
  if (result.uploaded.length > 0) lines.push(`uploaded ${plural(result.uploaded.length, "file")} (${formatBytes(bytes)}): ${names(result.uploaded)}`);
  if (result.unchanged.length > 0) {
    const all = result.uploaded.length === 0 ? "nothing to upload: " : "";
    lines.push(`${all}already there with the same content, not sent again: ${plural(result.unchanged.length, "file")} (${names(result.unchanged)})`);
  }
  if (result.commitUrl) lines.push(`commit ${result.commitUrl}`);
  return lines;
}

/**
 * Shows a large upload: one line saying what is sent, then a bar on a terminal or a line per 10%
 * elsewhere, counting the bytes of files uploaded (an LFS file the Hub already held counts at once).
 */
export function uploadProgress(say: (line: string) => void, stream: NodeJS.WritableStream & { isTTY?: boolean }) {
  let sizes = new Map<string, number>();
  const done = new Map<string, number>();
  let total = 0;
  let bar: cliProgress.SingleBar | undefined;
  let lastTenth = 0;
  let large = false;
  const onProgress = (event: PushProgress): void => {
    if (event.kind === "start") {
      sizes = new Map(event.files.map((f) => [f.path, f.size]));
      total = event.bytes;
      large = total >= LARGE_UPLOAD_BYTES;
      if (!large) return;
      say(`uploading ${plural(event.files.length, "file")} (${formatBytes(total)})`);
      if (stream.isTTY) {
        bar = new cliProgress.SingleBar(
          { stream: stream as NodeJS.WriteStream, format: "  {bar} {percentage}% | {done} of {size} | {eta_formatted} left", hideCursor: true, clearOnComplete: true },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, 0, { done: formatBytes(0), size: formatBytes(total) });
      }
      return;
    }
    if (!large) return;
    if (event.kind === "committing") {
      bar?.stop();
      say("committing");
      return;
    }
    if (event.state !== "uploading") return;
    done.set(event.path, event.fraction * (sizes.get(event.path) ?? 0));
    const sent = [...done.values()].reduce((sum, n) => sum + n, 0);
    if (bar) return void bar.update(sent, { done: formatBytes(sent) });
    const tenth = Math.floor((sent / total) * 10);
    if (tenth > lastTenth) {
      lastTenth = tenth;
      say(`  ${tenth * 10}% (${formatBytes(sent)} of ${formatBytes(total)})`);
    }
  };
  return { onProgress, stop: () => bar?.stop() };
}
