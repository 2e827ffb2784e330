import { existsSync, readdirSync } from "node:fs";
import { appendFile, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../../test/support/temp-dir.js";
import { ConfigError, InputError } from "../../errors.js";
import type { BatchInputLine } from "./batch-api.js";
import { createFolderBatchApi, parseOutput } from "./folder-batch-api.js";

const line = (key: string, model = "Qwen/Qwen2.5-7B-Instruct"): BatchInputLine => ({
  custom_id: key,
  method: "POST",
  url: "/v1/chat/completions",
  body: { model, messages: [{ role: "user", content: `question ${key}` }], temperature: 0 },
});

/** An output line as vllm run-batch writes it. */
const answered = (key: string) =>
  JSON.stringify({
    id: `vllm-${key}`,
    custom_id: key,
    response: { status_code: 200, request_id: `vllm-batch-${key}`, body: { object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: `answer ${key}` }, finish_reason: "stop" }], usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 } } },
    error: null,
  }) + "\n";

describe("createFolderBatchApi", () => {
  it("writes the input whole in vllm run-batch's format and tells the command that runs it", async () => {
    const dir = join(tempDir("foveate-folder-"), "waves");
    const commands: string[] = [];
    const api = createFolderBatchApi(dir, { onInputFile: (note) => commands.push(note.command) });
    const fileId = await api.upload("wave-0-micro-1", [line("a"), line("b")]);
    expect(fileId).toBe("wave-0-micro-1.jsonl");
    const text = await readFile(join(dir, "wave-0-micro-1.jsonl"), "utf8");
    expect(text.split("\n")).toEqual([JSON.stringify(line("a")), JSON.stringify(line("b")), ""]);
    expect(readdirSync(dir)).toEqual(["wave-0-micro-1.jsonl"]);
    expect(commands).toEqual([`vllm run-batch -i ${dir}/wave-0-micro-1.jsonl -o ${dir}/wave-0-micro-1.output.jsonl --model Qwen/Qwen2.5-7B-Instruct`]);
    expect(api.pollMs).toBe(5_000);

    const batch = await api.create(fileId, "/v1/chat/completions");
    expect(batch).toMatchObject({ id: "wave-0-micro-1", status: "in_progress", input_file_id: fileId, output_file_id: null, request_counts: { total: 2, completed: 0, failed: 0 } });
    expect(batch.created_at).toBeGreaterThan(0);
  });

  it("quotes paths and models a shell would read apart", async () => {
    const dir = join(tempDir("foveate-folder-"), "my waves");
    const commands: string[] = [];
    const api = createFolderBatchApi(dir, { onInputFile: (note) => commands.push(note.command), pollMs: 10 });
    await api.upload("w0", [line("a", "it's-a-model")]);
    expect(commands[0]).toBe(`vllm run-batch -i '${dir}/w0.jsonl' -o '${dir}/w0.output.jsonl' --model 'it'\\''s-a-model'`);
    expect(api.pollMs).toBe(10);
  });

  it("is in progress while the output is missing or half-written, and completed once every request has its line", async () => {
    const dir = tempDir("foveate-folder-");
    const api = createFolderBatchApi(dir);
    const { id } = await api.create(await api.upload("w0", [line("a"), line("b"), line("c")]), "/v1/chat/completions");
    const out = join(dir, "w0.output.jsonl");

    // vllm run-batch writes its output in place, a line at a time: the last one may be cut.
    const b = answered("b");
    await writeFile(out, answered("c") + b.slice(0, 40));
    expect(await api.get(id)).toMatchObject({ status: "in_progress", output_file_id: null, request_counts: { total: 3, completed: 1, failed: 0 } });
    await appendFile(out, b.slice(40));
    expect(await api.get(id)).toMatchObject({ status: "in_progress", request_counts: { completed: 2 } });

    // A request vLLM could not run: status 400, no body, the error as a string.
    await appendFile(out, JSON.stringify({ id: "vllm-x", custom_id: "a", response: { status_code: 400, request_id: "vllm-batch-x", body: null }, error: "prompt too long" }) + "\n");
    const done = await api.get(id);
    expect(done).toMatchObject({ status: "completed", output_file_id: "w0.output.jsonl", error_file_id: null, request_counts: { total: 3, completed: 2, failed: 1 } });

    const lines = await api.download(done.output_file_id!);
    expect(lines.map((l) => l.custom_id)).toEqual(["c", "b", "a"]);
    expect(lines[0]).toMatchObject({ id: "vllm-c", response: { status_code: 200, request_id: "vllm-batch-c", body: { object: "chat.completion" } }, error: null });
    expect(lines[2]).toEqual({ id: "vllm-x", custom_id: "a", response: { status_code: 400, request_id: "vllm-batch-x", body: null }, error: { message: "prompt too long" } });
  });

  it("refuses an output line it cannot read, naming the file and line", async () => {
    const dir = tempDir("foveate-folder-");
    const api = createFolderBatchApi(dir);
    const { id } = await api.create(await api.upload("w0", [line("a"), line("b")]), "/v1/chat/completions");
    const out = join(dir, "w0.output.jsonl");
    await writeFile(out, answered("a") + "{not json\n" + answered("b"));
    const refusal = api.get(id);
    await expect(refusal).rejects.toThrow(InputError);
    await expect(refusal).rejects.toThrow(`${out}:2: not JSON`);
    await writeFile(out, answered("a") + answered("zzz"));
    await expect(api.get(id)).rejects.toThrow(`${out}:2: custom_id "zzz" is not a request of this batch's input`);
    await writeFile(out, answered("a") + JSON.stringify({ custom_id: "b", response: { body: {} } }) + "\n");
    await expect(api.get(id)).rejects.toThrow(`${out}:2: its response has no status_code`);
  });

  it("cancels without removing anything", async () => {
    const dir = tempDir("foveate-folder-");
    const api = createFolderBatchApi(dir);
    const { id } = await api.create(await api.upload("w0", [line("a")]), "/v1/chat/completions");
    expect(await api.cancel(id)).toMatchObject({ id, status: "cancelled" });
    expect(await api.get(id)).toMatchObject({ status: "cancelled" });
    expect(readdirSync(dir)).toEqual(["w0.jsonl"]);
  });

  it("says so when a batch's input file is gone, and refuses an output left by another input", async () => {
    const dir = tempDir("foveate-folder-");
    const api = createFolderBatchApi(dir);
    await expect(api.get("w9")).rejects.toThrow(ConfigError);
    await expect(api.get("w9")).rejects.toThrow(`--batch-files ${dir}: ${join(dir, "w9.jsonl")}, the input of batch w9, is gone`);

    await api.upload("w0", [line("a")]);
    await writeFile(join(dir, "w0.output.jsonl"), answered("a"));
    // The same input again (a run killed before it recorded the batch): kept, with its output.
    await api.upload("w0", [line("a")]);
    expect((await api.get("w0")).status).toBe("completed");
    await expect(api.upload("w0", [line("b")])).rejects.toThrow(`${join(dir, "w0.output.jsonl")} answers another input`);
    expect(await readFile(join(dir, "w0.jsonl"), "utf8")).toBe(JSON.stringify(line("a")) + "\n");
  });

  it("takes only plain file names", async () => {
    const api = createFolderBatchApi(tempDir("foveate-folder-"));
    await expect(api.upload("../escape", [line("a")])).rejects.toThrow("not a plain file name");
    await expect(api.get("a/b")).rejects.toThrow("not a plain file name");
    expect(existsSync(join(api.dir, "..", "escape.jsonl"))).toBe(false);
  });
});

describe("parseOutput", () => {
  it("reads vLLM's error responses, new and old, as the Batch API's code and message, and keeps a request's first line", () => {
    const text = [
      JSON.stringify({ id: "1", custom_id: "a", response: { status_code: 400, request_id: "r", body: null }, error: { error: { message: "bad", type: "BadRequestError", code: 400 } } }),
      JSON.stringify({ id: "2", custom_id: "b", response: { status_code: 400, request_id: "r" }, error: { object: "error", message: "old", type: "x", code: 400 } }),
      JSON.stringify({ id: "3", custom_id: "b", response: null, error: "again" }),
      "",
    ].join("\n");
    const { lines, complete } = parseOutput(text, "o.jsonl", ["a", "b"]);
    expect(complete).toBe(true);
    expect(lines.map((l) => l.error)).toEqual([{ code: "400", message: "bad" }, { code: "400", message: "old" }]);
    expect(lines[1]!.response).toEqual({ status_code: 400, request_id: "r", body: null });
    expect(parseOutput("", "o.jsonl", ["a"])).toEqual({ lines: [], complete: false });
  });
});
