import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../errors.js";
import { parseModelSource } from "./model-spec.js";

describe("parseModelSource", () => {
  it("reads local paths, expanding ~/", () => {
    expect(parseModelSource("models/a.gguf")).toEqual({ kind: "file", path: "models/a.gguf" });
    expect(parseModelSource("/abs/a.gguf")).toEqual({ kind: "file", path: "/abs/a.gguf" });
    expect(parseModelSource("~/m/a.gguf")).toEqual({ kind: "file", path: path.join(os.homedir(), "m/a.gguf") });
    expect(parseModelSource("~user/a.gguf")).toEqual({ kind: "file", path: "~user/a.gguf" });
  });

  it("reads hf: URIs with an optional branch, and http(s) URLs", () => {
    expect(parseModelSource("hf:owner/repo/model.Q4_K_M.gguf")).toEqual({ kind: "remote", uri: "hf:owner/repo/model.Q4_K_M.gguf" });
    expect(parseModelSource("hf:owner/repo/sub/dir/m.gguf#dev")).toEqual({ kind: "remote", uri: "hf:owner/repo/sub/dir/m.gguf#dev" });
    expect(parseModelSource("hf://owner/repo/m.gguf")).toEqual({ kind: "remote", uri: "hf:owner/repo/m.gguf" });
    expect(parseModelSource(" https://example.com/x/m.gguf?x=1 ")).toEqual({ kind: "remote", uri: "https://example.com/x/m.gguf?x=1" });
    expect(parseModelSource("http://127.0.0.1:8080/m.gguf")).toEqual({ kind: "remote", uri: "http://127.0.0.1:8080/m.gguf" });
  });

  it("rejects hf: URIs that do not name a .gguf file in a repo", () => {
    for (const [spec, why] of [
      ["hf:owner", /file is missing/],
      ["hf:owner/repo", /file is missing/],
      ["hf:owner/repo:Q4_K_M", /quantization tag/],
      ["hf:owner/repo/README.md", /does not end in \.gguf/],
      ["hf:/repo/m.gguf", /empty/],
      ["hf:owner/repo/../m.gguf", /\.\./],
      ["hf:owner/repo/m.gguf#", /branch/],
    ] as const) {
      expect(() => parseModelSource(spec), spec).toThrow(ConfigError);
      expect(() => parseModelSource(spec), spec).toThrow(why);
      expect(() => parseModelSource(spec), spec).toThrow(/hf:owner\/repo\/path\/file\.gguf/);
    }
    expect(() => parseModelSource("")).toThrow(ConfigError);
    expect(() => parseModelSource("https://exa mple.com/m.gguf")).toThrow(ConfigError);
  });
});
