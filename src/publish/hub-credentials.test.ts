import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../errors.js";
import { tempDir } from "../../test/support/temp-dir.js";
import { hubCredentials } from "./hub-credentials.js";

describe("hubCredentials", () => {
  it("takes HF_TOKEN first, then HF_TOKEN_PATH, then $HF_HOME/token, then ~/.cache/huggingface/token", async () => {
    const home = tempDir("foveate-home-");
    mkdirSync(path.join(home, ".cache", "huggingface"), { recursive: true });
    writeFileSync(path.join(home, ".cache", "huggingface", "token"), "hf_from_home\n");
    const hfHome = tempDir("foveate-hf-home-");
    writeFileSync(path.join(hfHome, "token"), "hf_from_hf_home");
    const tokenPath = path.join(home, "elsewhere");
    writeFileSync(tokenPath, " hf_from_path \n");

    const base = { HOME: home };
    expect(await hubCredentials({ ...base, HF_TOKEN: "hf_env", HF_TOKEN_PATH: tokenPath, HF_HOME: hfHome })).toEqual({ token: "hf_env", hubUrl: "https://huggingface.co/" });
    expect((await hubCredentials({ ...base, HF_TOKEN_PATH: tokenPath, HF_HOME: hfHome })).token).toBe("hf_from_path");
    expect((await hubCredentials({ ...base, HF_HOME: hfHome })).token).toBe("hf_from_hf_home");
    expect((await hubCredentials(base)).token).toBe("hf_from_home");
  });

  it("uses HF_ENDPOINT for the Hub", async () => {
    expect((await hubCredentials({ HF_TOKEN: "hf_x", HF_ENDPOINT: "http://127.0.0.1:8080" })).hubUrl).toBe("http://127.0.0.1:8080/");
  });

  it("says how to get a token when there is none, and refuses one that is not a Hub token", async () => {
    const none = await hubCredentials({ HOME: tempDir("foveate-home-") }).catch((e: unknown) => e);
    expect(none).toBeInstanceOf(ConfigError);
    expect((none as Error).message).toBe("no Hugging Face token: make one with write access at https://huggingface.co/settings/tokens and set HF_TOKEN to it, or run huggingface-cli login");
    const hfHome = tempDir("foveate-hf-home-");
    writeFileSync(path.join(hfHome, "token"), "sk-openai");
    const wrong = await hubCredentials({ HF_HOME: hfHome }).catch((e: unknown) => e);
    expect((wrong as Error).message).toMatch(/^the token file of huggingface-cli login does not hold a Hugging Face access token \(they start with hf_\)/);
  });
});
