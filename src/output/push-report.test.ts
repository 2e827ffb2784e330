import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { formatPushResult, uploadProgress } from "./push-report.js";

const result = {
  repo: "me/data",
  url: "https://huggingface.co/datasets/me/data",
  created: true,
  uploaded: [
    { path: "README.md", size: 1200 },
    { path: "data/train-00000-of-00001.parquet", size: 2_500_000 },
  ],
  unchanged: [],
  commitUrl: "https://huggingface.co/datasets/me/data/commit/abc",
  bytesSent: 2_501_500,
};

describe("formatPushResult", () => {
  it("says what was created and uploaded", () => {
    expect(formatPushResult(result, true)).toEqual([
      "created the dataset repository me/data (private)",
      "uploaded 2 files (2.5 MB): README.md, data/train-00000-of-00001.parquet",
      "commit https://huggingface.co/datasets/me/data/commit/abc",
    ]);
  });

  it("says what was already there, and when that was everything", () => {
    const files = Array.from({ length: 6 }, (_, i) => ({ path: `data/train-0000${i}-of-00006.parquet`, size: 10 }));
    const lines = formatPushResult({ ...result, created: false, uploaded: [], unchanged: files, commitUrl: undefined }, false);
    expect(lines).toEqual([
      "nothing to upload: already there with the same content, not sent again: 6 files (data/train-00000-of-00006.parquet, data/train-00001-of-00006.parquet, data/train-00002-of-00006.parquet, data/train-00003-of-00006.parquet and 2 more)",
    ]);
  });
});

describe("uploadProgress", () => {
  const sink = () => new Writable({ write: (_c, _e, done) => done() });

  it("shows a large upload by tenths, off a terminal", () => {
    const lines: string[] = [];
    const progress = uploadProgress((l) => lines.push(l), sink());
    progress.onProgress({ kind: "start", files: [{ path: "a.parquet", size: 20_000_000 }, { path: "b.parquet", size: 20_000_000 }], bytes: 40_000_000 });
    progress.onProgress({ kind: "file", path: "a.parquet", state: "hashing", fraction: 1 });
    progress.onProgress({ kind: "file", path: "a.parquet", state: "uploading", fraction: 0.5 });
    progress.onProgress({ kind: "file", path: "a.parquet", state: "uploading", fraction: 1 });
    progress.onProgress({ kind: "file", path: "b.parquet", state: "uploading", fraction: 1 });
    progress.onProgress({ kind: "committing" });
    expect(lines).toEqual(["uploading 2 files (40.0 MB)", "  20% (10.0 MB of 40.0 MB)", "  50% (20.0 MB of 40.0 MB)", "  100% (40.0 MB of 40.0 MB)", "committing"]);
  });

  it("says nothing of a small one", () => {
    const lines: string[] = [];
    const progress = uploadProgress((l) => lines.push(l), sink());
    progress.onProgress({ kind: "start", files: [{ path: "README.md", size: 100 }], bytes: 100 });
    progress.onProgress({ kind: "file", path: "README.md", state: "uploading", fraction: 1 });
    progress.onProgress({ kind: "committing" });
    expect(lines).toEqual([]);
  });
});
