import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { defaultModelCacheDir } from "./model-cache.js";

describe("defaultModelCacheDir", () => {
  it("prefers FOVEATE_CACHE_DIR, then XDG_CACHE_HOME, then ~/.cache", () => {
    expect(defaultModelCacheDir({ FOVEATE_CACHE_DIR: "/c/models", XDG_CACHE_HOME: "/x", HOME: "/h" })).toBe("/c/models");
    expect(defaultModelCacheDir({ FOVEATE_CACHE_DIR: "~/fc", HOME: "/h" })).toBe("/h/fc");
    expect(defaultModelCacheDir({ XDG_CACHE_HOME: "/x", HOME: "/h" })).toBe("/x/foveate/models");
    expect(defaultModelCacheDir({ HOME: "/h" })).toBe("/h/.cache/foveate/models");
    // empty values are unset; a relative XDG_CACHE_HOME is ignored, as the XDG spec says
    expect(defaultModelCacheDir({ FOVEATE_CACHE_DIR: "", XDG_CACHE_HOME: "rel", HOME: "/h" })).toBe("/h/.cache/foveate/models");
    expect(defaultModelCacheDir({})).toBe(path.join(os.homedir(), ".cache", "foveate", "models"));
  });
});
