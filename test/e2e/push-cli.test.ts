import { mkdirSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startUploadHub, type UploadHub } from "../support/fake-hub-upload.js";
import { runCli } from "../support/run-cli.js";
import { tempDir } from "../support/temp-dir.js";

const TOKEN = "hf_me_write";

/** A local port nothing listens on: taken, then let go. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function datasetDir(): string {
  const dir = tempDir("foveate-push-cli-");
  mkdirSync(path.join(dir, "data"));
  writeFileSync(path.join(dir, "README.md"), "---\nconfigs:\n- config_name: default\n---\n# Data\n");
  writeFileSync(path.join(dir, "data", "train-00000-of-00001.parquet"), Buffer.alloc(50_000, 7));
  writeFileSync(path.join(dir, "data", "test-00000-of-00001.parquet"), Buffer.alloc(5_000, 9));
  return dir;
}

describe("foveate push", () => {
  let hub: UploadHub;
  let env: Record<string, string | undefined>;
  beforeEach(async () => {
    hub = await startUploadHub();
    hub.addUser(TOKEN, "me", ["lab"]);
    // No token leaks in from the developer's machine: a home of its own, no token file.
    env = { HOME: tempDir("foveate-home-"), HF_TOKEN: TOKEN, HF_HOME: undefined, HF_TOKEN_PATH: undefined, XDG_CACHE_HOME: undefined, HF_ENDPOINT: hub.base, MODEL_ENDPOINT: undefined };
  });
  afterEach(() => hub.close());

  it("uploads the folder, prints the dataset's URL, and says on a rerun that everything is there", async () => {
    const dir = datasetDir();
    const first = await runCli(["push", dir, "--repo", "lab/qa", "--private"], env);
    expect(first.code).toBe(0);
    expect(first.stdout).toBe(`${hub.base}/datasets/lab/qa\n`);
    const lines = first.stderr.trimEnd().split("\n");
    expect(lines.slice(0, 2)).toEqual([
      "created the dataset repository lab/qa (private)",
      "uploaded 3 files (55.0 kB): README.md, data/test-00000-of-00001.parquet, data/train-00000-of-00001.parquet",
    ]);
    expect(lines[2]).toMatch(/^commit http:\/\/127\.0\.0\.1:\d+\/datasets\/lab\/qa\/commit\/[0-9a-f]{40}$/);
    expect(lines).toHaveLength(3);
    expect(hub.repos.get("lab/qa")!.private).toBe(true);

    const again = await runCli(["push", dir, "--repo", "lab/qa"], env);
    expect(again.code).toBe(0);
    expect(again.stderr).toBe(
      "nothing to upload: already there with the same content, not sent again: 3 files (README.md, data/test-00000-of-00001.parquet, data/train-00000-of-00001.parquet)\n",
    );
    expect(again.stdout).toBe(`${hub.base}/datasets/lab/qa\n`);
  });

  it("reads the token huggingface-cli login saved when HF_TOKEN is not set", async () => {
    const home = tempDir("foveate-hf-home-");
    writeFileSync(path.join(home, "token"), `${TOKEN}\n`);
    const result = await runCli(["push", datasetDir(), "--repo", "me/qa"], { ...env, HF_TOKEN: undefined, HF_HOME: home });
    expect(result.code).toBe(0);
    expect(hub.log.find((r) => r.path === "/api/whoami-v2")?.auth).toBe(`Bearer ${TOKEN}`);
  });

  it("after a dropped connection, says to rerun, and the rerun finishes", async () => {
    const dir = datasetDir();
    hub.failOnce((method, p) => method === "POST" && p.endsWith("/commit/main"));
    const cut = await runCli(["push", dir, "--repo", "me/qa"], env);
    expect(cut.code).toBe(1);
    expect(cut.stderr).toBe(
      `foveate: cannot reach the Hugging Face Hub at ${hub.base}/ (UND_ERR_SOCKET) while pushing ${hub.base}/datasets/me/qa; run the same command again: it uploads only what is missing\n`,
    );
    const puts = hub.lfsPuts().length;
    const rerun = await runCli(["push", dir, "--repo", "me/qa"], env);
    expect(rerun.code).toBe(0);
    expect(rerun.stderr).toContain("uploaded 3 files");
    expect(hub.lfsPuts().length).toBe(puts);
  });

  const oneLine = (stderr: string) => {
    expect(stderr.startsWith("foveate: ")).toBe(true);
    expect(stderr.trimEnd().split("\n")).toHaveLength(1);
    return stderr.trimEnd();
  };

  it("says in one line, exit 1, what is wrong: token, repository, folder, Hub", async () => {
    const dir = datasetDir();
    const file = path.join(dir, "README.md");
    const empty = tempDir("foveate-empty-");
    writeFileSync(path.join(empty, ".gitignore"), "*\n");
    const port = await closedPort();
    const cases: Array<[string[], Record<string, string | undefined>, string | RegExp]> = [
      [["push", dir, "--repo", "me/qa"], { HF_TOKEN: undefined }, `no Hugging Face token: make one with write access at ${hub.base}/settings/tokens and set HF_TOKEN to it, or run huggingface-cli login`],
      [["push", dir, "--repo", "me/qa"], { HF_TOKEN: "sk-not-a-hub-token" }, "HF_TOKEN does not hold a Hugging Face access token (they start with hf_)"],
      [["push", dir, "--repo", "me/qa"], { HF_TOKEN: "hf_revoked" }, `the Hub at ${hub.base}/ refused the token (HTTP 401`],
      [["push", dir, "--repo", "qa"], {}, '--repo "qa": expected owner/name, e.g. my-user/my-dataset'],
      [["push", dir, "--repo", "me/q a"], {}, '--repo "me/q a": "q a" may hold only'],
      [["push", dir, "--repo", "other/qa"], {}, `cannot write to ${hub.base}/datasets/other/qa: the token is me's, who can write under me, lab and not under other`],
      [["push", empty, "--repo", "me/qa"], {}, `${empty}: the folder holds no files to upload (dot-files are left out)`],
      [["push", path.join(dir, "nope"), "--repo", "me/qa"], {}, `${path.join(dir, "nope")}: no such folder`],
      [["push", file, "--repo", "me/qa"], {}, `${file}: not a folder`],
      [["push", dir, "--repo", "me/qa"], { HF_ENDPOINT: `http://127.0.0.1:${port}` }, `cannot reach the Hugging Face Hub at http://127.0.0.1:${port}/ (ECONNREFUSED) while pushing`],
    ];
    for (const [args, more, expected] of cases) {
      const result = await runCli(args, { ...env, ...more });
      expect(result.code, `${args.join(" ")}: ${result.stderr}`).toBe(1);
      expect(oneLine(result.stderr)).toContain(expected);
      expect(result.stdout).toBe("");
    }
    expect(hub.repos.size).toBe(0);
  });

  it("says which repository it cannot write (403)", async () => {
    hub.makeReadOnly("lab/locked");
    const result = await runCli(["push", datasetDir(), "--repo", "lab/locked"], env);
    expect(result.code).toBe(1);
    expect(oneLine(result.stderr)).toBe(
      `foveate: cannot write to ${hub.base}/datasets/lab/locked (HTTP 403: You don't have the rights to create a dataset under the namespace "lab"); the token needs write access to lab`,
    );
  });

  it("requires --repo", async () => {
    const result = await runCli(["push", datasetDir()], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("required option '--repo <repo>' not specified");
  });
});
