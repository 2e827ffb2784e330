import { lstat, readFile, symlink, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/temp-dir.js";
import { InputError } from "../errors.js";
import { datasetName, llamaFactoryEntry, mergeDatasetInfo, readDatasetInfo, writeDatasetInfo } from "./llama-factory-info.js";

describe("LLaMA-Factory's dataset_info.json entry", () => {
  // The dataset descriptions of https://github.com/hiyouga/LLaMA-Factory/blob/main/data/README.md, in our words.
  it("describes the alpaca and sharegpt files as the tool's README does, naming the system column only when there is one", () => {
    expect(llamaFactoryEntry("llama-factory-alpaca", "manual.jsonl", true)).toEqual({
      file_name: "manual.jsonl",
      formatting: "alpaca",
      columns: { prompt: "instruction", query: "input", response: "output", system: "system" },
    });
    expect(llamaFactoryEntry("llama-factory-alpaca", "manual.jsonl", false).columns).toEqual({ prompt: "instruction", query: "input", response: "output" });
    expect(llamaFactoryEntry("llama-factory-sharegpt", "chat.jsonl", true)).toEqual({
      file_name: "chat.jsonl",
      formatting: "sharegpt",
      columns: { messages: "conversations", system: "system" },
    });
    expect(llamaFactoryEntry("llama-factory-sharegpt", "chat.jsonl", false).columns).toEqual({ messages: "conversations" });
  });

  it("names the dataset for its file", () => {
    expect(datasetName("out/manual.jsonl")).toBe("manual");
    expect(datasetName("train.v2.jsonl")).toBe("train.v2");
    expect(datasetName("data")).toBe("data");
    expect(datasetName(".hidden")).toBe(".hidden");
  });

  it("adds the entry after the user's entries, keeping them as they were, and replaces one of the same name", () => {
    const entry = llamaFactoryEntry("llama-factory-alpaca", "manual.jsonl", false);
    const user = { alpaca_en_demo: { file_name: "alpaca_en_demo.json" }, identity: { file_name: "identity.json", columns: { prompt: "q" } } };
    const added = mergeDatasetInfo(JSON.stringify(user), "d/dataset_info.json", "manual", entry);
    expect(added.replaced).toBe(false);
    const parsed = JSON.parse(added.text) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(["alpaca_en_demo", "identity", "manual"]);
    expect(parsed).toEqual({ ...user, manual: entry });

    const again = mergeDatasetInfo(added.text, "d/dataset_info.json", "manual", { ...entry, columns: { ...entry.columns, system: "system" } });
    expect(again.replaced).toBe(true);
    expect(Object.keys(JSON.parse(again.text) as object)).toEqual(["alpaca_en_demo", "identity", "manual"]);

    expect(JSON.parse(mergeDatasetInfo(undefined, "d/dataset_info.json", "manual", entry).text)).toEqual({ manual: entry });
    expect(JSON.parse(mergeDatasetInfo("  \n", "d/dataset_info.json", "manual", entry).text)).toEqual({ manual: entry });
  });

  it("refuses a file that is not JSON, or not an object of entries, in one line naming it", () => {
    const entry = llamaFactoryEntry("llama-factory-sharegpt", "chat.jsonl", false);
    for (const text of ['{"a": {', "[1, 2]", "null", '"text"']) {
      let error: unknown;
      try {
        mergeDatasetInfo(text, "data/dataset_info.json", "chat", entry);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InputError);
      expect((error as Error).message).toMatch(/^data\/dataset_info\.json: not (valid JSON|a JSON object)/);
      expect((error as Error).message).not.toContain("\n");
    }
  });

  it("writes the file whole, through a link to its target, and reads none as undefined", async () => {
    const dir = tempDir("foveate-lf-");
    const path = join(dir, "dataset_info.json");
    expect(await readDatasetInfo(path)).toBeUndefined();
    await writeDatasetInfo(path, '{"a": 1}\n');
    expect(await readFile(path, "utf8")).toBe('{"a": 1}\n');
    expect(existsSync(`${path}.partial`)).toBe(false);

    const target = join(dir, "shared-info.json");
    await writeFile(target, "{}\n");
    const link = join(dir, "link.json");
    await symlink(target, link);
    await writeDatasetInfo(link, '{"b": 2}\n');
    expect(await readFile(target, "utf8")).toBe('{"b": 2}\n');
    expect(await readDatasetInfo(link)).toBe('{"b": 2}\n');
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
  });
});
