import { readFile } from "node:fs/promises";
import path from "node:path";
import { homeDir } from "./home-dir.js";

/** HF_TOKEN, else the token file huggingface-cli writes (HF_TOKEN_PATH, $HF_HOME/token). */
export async function huggingFaceToken(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const fromEnv = env.HF_TOKEN?.trim();
  if (fromEnv) return fromEnv;
  const hfHome = env.HF_HOME?.trim() || path.join(env.XDG_CACHE_HOME?.trim() || path.join(homeDir(env), ".cache"), "huggingface");
  try {
    const token = (await readFile(env.HF_TOKEN_PATH?.trim() || path.join(hfHome, "token"), "utf8")).trim();
    return token === "" ? undefined : token;
  } catch {
    return undefined;
  }
}
