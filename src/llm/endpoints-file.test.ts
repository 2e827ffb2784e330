import { describe, expect, it } from "vitest";
import { InputError } from "../errors.js";
import { parseEndpoints } from "./endpoints-file.js";

const FILE = "fleet.txt";
const parse = (text: string, env: NodeJS.ProcessEnv = {}, defaults = {}) => parseEndpoints(text, FILE, env, defaults);

/** The one-line message of the InputError that `text` causes. */
function problem(text: string, env: NodeJS.ProcessEnv = {}): string {
  try {
    parse(text, env);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    const message = (error as InputError).message;
    expect(message).not.toContain("\n");
    return message;
  }
  throw new Error(`no error for ${JSON.stringify(text)}`);
}

describe("an endpoints file", () => {
  it("gives one endpoint per line, with the fields each line names", () => {
    const text = [
      "# the lab's vLLM servers",
      "http://gpu1:8000/v1 model=Qwen2.5-7B-Instruct concurrency=64",
      "",
      "   http://gpu2:8000/v1   rpm=600 tpm=2000000   # the older card",
      "https://api.example.com/v1 key=sk-abc",
      "https://api.example.com/v1 key-env=SECOND_KEY",
    ].join("\n");
    expect(parse(text, { SECOND_KEY: "sk-def" })).toEqual([
      { baseUrl: "http://gpu1:8000/v1", model: "Qwen2.5-7B-Instruct", concurrency: 64 },
      { baseUrl: "http://gpu2:8000/v1", rpm: 600, tpm: 2_000_000 },
      { baseUrl: "https://api.example.com/v1", apiKey: "sk-abc" },
      { baseUrl: "https://api.example.com/v1", apiKey: "sk-def" },
    ]);
  });

  it("fills what a line leaves out from the defaults, and lets a line override them", () => {
    const defaults = { apiKey: "sk-flag", model: "m", rpm: 60, tpm: undefined, concurrency: 8 };
    const [plain, own] = parse("http://a/v1\nhttp://b/v1 key=sk-own model=n rpm=5 tpm=7 concurrency=2\r\n", {}, defaults);
    expect(plain).toStrictEqual({ baseUrl: "http://a/v1", apiKey: "sk-flag", model: "m", rpm: 60, concurrency: 8 });
    expect(own).toStrictEqual({ baseUrl: "http://b/v1", apiKey: "sk-own", model: "n", rpm: 5, tpm: 7, concurrency: 2 });
  });

  it("keeps a # inside a key or a URL, where it is not a comment", () => {
    expect(parse("http://a/v1 key=ab#cd # a comment")).toEqual([{ baseUrl: "http://a/v1", apiKey: "ab#cd" }]);
  });

  it("names the file and line of a URL that is not http(s)", () => {
    expect(problem("\nftp://a/v1")).toMatch(/^fleet\.txt:2: not an http\(s\) URL: "ftp:\/\/a\/v1" \(expected URL \[key=KEY/);
    expect(problem("gpu1:8000/v1")).toMatch(/^fleet\.txt:1: not an http\(s\) URL: "gpu1:8000\/v1"/);
    expect(problem("model=x http://a/v1")).toMatch(/^fleet\.txt:1: not an http\(s\) URL: "model=x"/);
  });

  it("refuses an unknown field, a word that is no field, a field given twice or without a value", () => {
    expect(problem("http://a/v1 modle=x")).toBe(`fleet.txt:1: unknown field "modle" (expected key, key-env, model, rpm, tpm, concurrency)`);
    expect(problem("http://a/v1 fast")).toBe(`fleet.txt:1: expected FIELD=VALUE after the URL, got "fast"`);
    expect(problem("http://a/v1 =3")).toBe(`fleet.txt:1: expected FIELD=VALUE after the URL, got "=3"`);
    expect(problem("http://a/v1 rpm=3 rpm=4")).toBe("fleet.txt:1: rpm given twice");
    expect(problem("http://a/v1 model=")).toBe("fleet.txt:1: model= has no value");
    expect(problem("http://a/v1 key=k key-env=K", { K: "v" })).toBe("fleet.txt:1: key and key-env both given: give one");
  });

  it("refuses a limit that is not a whole number of at least 1", () => {
    for (const bad of ["0", "-5", "1.5", "1e3", "ten", "0x10", "99999999999999999999"]) {
      expect(problem(`http://a/v1\nhttp://b/v1 rpm=${bad}`)).toBe(`fleet.txt:2: rpm=${bad} is not a whole number >= 1`);
    }
    expect(problem("http://a/v1 concurrency=0")).toBe("fleet.txt:1: concurrency=0 is not a whole number >= 1");
    expect(problem("http://a/v1 tpm=x")).toBe("fleet.txt:1: tpm=x is not a whole number >= 1");
  });

  it("refuses key-env naming a variable that is unset or empty, without showing any key", () => {
    expect(problem("http://a/v1 key-env=FLEET_KEY")).toBe("fleet.txt:1: key-env=FLEET_KEY names a variable that is not set");
    expect(problem("http://a/v1 key-env=FLEET_KEY", { FLEET_KEY: "" })).toBe("fleet.txt:1: key-env=FLEET_KEY names a variable that is not set");
  });

  it("refuses the same URL with the same key twice, however the URL is spelled", () => {
    expect(problem("http://a/v1 key=k\nhttp://b/v1\nHTTP://A:80/v1/ key=k")).toBe("fleet.txt:3: the same URL and key as line 1");
    expect(problem("http://a/v1\nhttp://a/v1")).toBe("fleet.txt:2: the same URL (without a key) as line 1");
    const keyed = problem("http://a/v1 key=sk-secret\nhttp://a/v1 key-env=K", { K: "sk-secret" });
    expect(keyed).toBe("fleet.txt:2: the same URL and key as line 1");
    expect(keyed).not.toContain("sk-secret");
    // Two keys on one server are two endpoints: a user's several accounts.
    expect(parse("http://a/v1 key=k1\nhttp://a/v1 key=k2")).toHaveLength(2);
  });

  it("counts a key given by the defaults when looking for duplicates", () => {
    expect(() => parse("http://a/v1\nhttp://a/v1 key=k", {}, { apiKey: "k" })).toThrow("fleet.txt:2: the same URL and key as line 1");
  });

  it("refuses a file with no endpoint at all, naming the file", () => {
    expect(problem("")).toMatch(/^fleet\.txt: no endpoint: every line is blank or a comment/);
    expect(problem("# nothing yet\n\n   \n")).toMatch(/^fleet\.txt: no endpoint/);
  });
});
