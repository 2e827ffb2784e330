import { describe, expect, it } from "vitest";
import { planUpload, type LocalFile } from "./plan-upload.js";

const file = (path: string, size: number, gitOid: string, sha256: string): LocalFile => ({ path, absolute: `/d/${path}`, size, gitOid, sha256 });

describe("planUpload", () => {
  const readme = file("README.md", 7, "g1", "s1");
  const train = file("data/train-00000-of-00001.parquet", 900, "g2", "s2");
  const test = file("data/test-00000-of-00001.parquet", 100, "g3", "s3");

  it("uploads everything to an empty repository", () => {
    expect(planUpload([readme, train], [{ path: ".gitattributes", size: 10, oid: "ga" }])).toEqual({ upload: [readme, train], unchanged: [] });
  });

  it("skips files whose bytes are there: regular ones by git blob id, LFS ones by SHA-256", () => {
    const plan = planUpload(
      [readme, train, test],
      [
        { path: "README.md", size: 7, oid: "g1" },
        { path: "data/train-00000-of-00001.parquet", size: 900, oid: "pointer-blob", lfs: { oid: "s2", size: 900 } },
        { path: "data/test-00000-of-00001.parquet", size: 100, oid: "pointer-blob-2", lfs: { oid: "other", size: 100 } },
      ],
    );
    expect(plan.unchanged).toEqual([readme, train]);
    expect(plan.upload).toEqual([test]);
  });

  it("uploads a file whose remote twin differs in content or in kind", () => {
    const plan = planUpload(
      [readme, train],
      [
        { path: "README.md", size: 7, oid: "changed" },
        // The same SHA-256 would not do when the remote is a regular file: its blob id is what counts.
        { path: "data/train-00000-of-00001.parquet", size: 900, oid: "s2" },
      ],
    );
    expect(plan.upload).toEqual([readme, train]);
  });
});
